package feast

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestDecodeValueSpecExamples(t *testing.T) {
	// Bytes from docs/feast-redis-layout.md section 4.1, expected values by hand.
	cases := []struct {
		hex  string
		want Value
	}{
		{"", Value{Kind: KindNull}},
		{"350000003f", Value{Kind: KindNumber, Num: 0.5, Type: Float}},
		{"2011", Value{Kind: KindNumber, Num: 17, Type: Int64}},
		{"2000", Value{Kind: KindNumber, Num: 0, Type: Int64}},
		{"29182d4454fb210940", Value{Kind: KindNumber, Num: math.Pi, Type: Double}},
		{"120178", Value{Kind: KindString, Str: "x", Type: String}},
		{"1200", Value{Kind: KindString, Str: "", Type: String}},
		{"3801", Value{Kind: KindBool, Num: 1, Str: "true", Type: Bool}},
		{"3800", Value{Kind: KindBool, Num: 0, Str: "false", Type: Bool}},
		{"0a0300ff10", Value{Kind: KindString, Str: "00ff10", Type: Bytes}},
		{"4080e2cfaa06", Value{Kind: KindNumber, Num: 1700000000, Type: UnixTimestamp}},
		{"18fbffffffffffffffff01", Value{Kind: KindNumber, Num: -5, Type: Int32}},
		{"720d0a0b01ffffffffffffffffff01", Value{Kind: KindOther, Type: Int64List}},
		{"8201060a040000803f", Value{Kind: KindOther, Type: FloatList}},
		{"820100", Value{Kind: KindOther, Type: FloatList}},
		{"9801" + "00", Value{Kind: KindNull, Type: Null}},
		// uuid_val (36), decimal_val (44): text; json_val (32): other.
		{"a20203" + "616263", Value{Kind: KindString, Str: "abc", Type: UUID}},
		{"e20203" + "312e35", Value{Kind: KindString, Str: "1.5", Type: Decimal}},
		{"820202" + "7b7d", Value{Kind: KindOther, Type: JSON}},
		// Field 60 (a future member): presence only.
		{"e20301" + "00", Value{Kind: KindOther, Type: 60}},
		// Two members: the last wins, as in protobuf.
		{"2011" + "350000003f", Value{Kind: KindNumber, Num: 0.5, Type: Float}},
	}
	for _, c := range cases {
		got, err := DecodeValue(unhex(t, c.hex))
		if err != nil {
			t.Errorf("DecodeValue(%s): %v", c.hex, err)
			continue
		}
		if got != c.want {
			t.Errorf("DecodeValue(%s) = %+v, want %+v", c.hex, got, c.want)
		}
	}
}

func TestDecodeValueNaNInf(t *testing.T) {
	for _, c := range []struct {
		hex  string
		want float64
	}{{"350000c07f", math.NaN()}, {"350000807f", math.Inf(1)}, {"29000000000000f0ff", math.Inf(-1)}} {
		v, err := DecodeValue(unhex(t, c.hex))
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != KindNumber || !(v.Num == c.want || math.IsNaN(v.Num) && math.IsNaN(c.want)) {
			t.Errorf("DecodeValue(%s) = %+v, want %v", c.hex, v, c.want)
		}
	}
}

func TestDecodeValueErrors(t *testing.T) {
	for _, h := range []string{
		"35000000",                 // truncated float
		"29",                       // truncated double
		"20",                       // truncated varint
		"20ffffffffffffffffffff01", // varint too long
		"1205",                     // string shorter than its length
		"2a0100",                   // int64 with wire type 2
		"3500",                     // float... ok tag 6 fixed32 truncated
		"0d",                       // field 1 as fixed32
		"07",                       // wire type 7
		"00",                       // field 0
		"fa0305",                   // unknown field 63 truncated
	} {
		_, err := DecodeValue(unhex(t, h))
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Errorf("DecodeValue(%s): err %v, want *ValueError", h, err)
		}
	}
}

func TestDecodeTimestamp(t *testing.T) {
	cases := []struct {
		hex  string
		want time.Time
	}{
		{"", time.Unix(0, 0)},
		{"08c0ddc8b106108094ef3a", time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)},
		{"08c0ddc8b106", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
		{"08ffffffffffffffffff011080cab5ee01", time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC)},
	}
	for _, c := range cases {
		got, err := DecodeTimestamp(unhex(t, c.hex))
		if err != nil {
			t.Fatalf("DecodeTimestamp(%s): %v", c.hex, err)
		}
		if !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("DecodeTimestamp(%s) = %v, want %v UTC", c.hex, got, c.want)
		}
	}
	for _, h := range []string{"08", "0a00", "1080a8d6b907" /* nanos 2e9 */, "10ffffffffffffffffff01" /* nanos -1 */, "07"} {
		if _, err := DecodeTimestamp(unhex(t, h)); err == nil {
			t.Errorf("DecodeTimestamp(%s): want error", h)
		}
	}
}

func TestDecodeValueNoAllocs(t *testing.T) {
	for _, h := range []string{"350000003f", "2011", "3801", "29182d4454fb210940", ""} {
		b := unhex(t, h)
		if n := testing.AllocsPerRun(100, func() { _, _ = DecodeValue(b) }); n != 0 {
			t.Errorf("DecodeValue(%s) allocates %v times", h, n)
		}
	}
}

func FuzzDecodeValue(f *testing.F) {
	for _, h := range []string{"", "350000003f", "2011", "120178", "720d0a0b01ffffffffffffffffff01", "8201060a040000803f", "980100", "e2030100", "08c0ddc8b106108094ef3a", "20ffffffffffffffffffff01"} {
		f.Add(unhexF(h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeValue(b)
		if err == nil && len(b) == 0 && v.Kind != KindNull {
			t.Fatalf("empty bytes gave %v", v.Kind)
		}
		_, _ = DecodeTimestamp(b)
	})
}

func BenchmarkDecodeValue(b *testing.B) {
	vals := [][]byte{unhexF("350000003f"), unhexF("20fdffffffffffffffff01"), unhexF("29182d4454fb210940"), unhexF("3801"), unhexF("")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = DecodeValue(vals[i%len(vals)])
	}
}

func BenchmarkDecodeTimestamp(b *testing.B) {
	v := unhexF("08c0ddc8b106108094ef3a")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = DecodeTimestamp(v)
	}
}

func BenchmarkParseRedisKey(b *testing.B) {
	key := unhexF("02000000020000000b000000637573746f6d65725f6964020000000b0000006d65726368616e745f6964040000000800000040e201000000000002000000040000006d5f31396672617564")
	jk := []string{"merchant_id", "customer_id"}
	types := []ValueType{String, Int64}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ParseRedisKey(key, jk, types, 3, "fraud")
	}
}
