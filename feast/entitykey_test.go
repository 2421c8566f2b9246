package feast

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// hexKey concatenates hex and "quoted text" parts into bytes.
func keyBytes(t *testing.T, parts ...string) []byte {
	t.Helper()
	var b []byte
	for _, p := range parts {
		if strings.HasPrefix(p, `"`) {
			b = append(b, strings.Trim(p, `"`)...)
			continue
		}
		b = append(b, unhex(t, strings.ReplaceAll(p, " ", ""))...)
	}
	return b
}

func TestRedisKeyVersion1(t *testing.T) {
	// docs/feast-redis-layout.md section 2.2: v1 key of driver_id = 1001.
	want := keyBytes(t, "02000000", `"driver_id"`, "04000000 04000000 e9030000", `"feast_demo"`)
	jk := []string{"driver_id"}
	vals := []EntityValue{{Type: Int64, Int: 1001}}
	got, err := RedisKey(jk, vals, 1, "feast_demo")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("v1 key = %x, want %x", got, want)
	}
	back, err := ParseRedisKey(want, jk, []ValueType{Int64}, 1, "feast_demo")
	if err != nil {
		t.Fatal(err)
	}
	if back[0].Int != 1001 {
		t.Errorf("parsed v1 value %d, want 1001", back[0].Int)
	}
	if _, err := RedisKey(jk, []EntityValue{{Type: Int64, Int: 1 << 31}}, 1, "p"); err == nil {
		t.Error("v1 key of an int64 outside int32 range: want error")
	}
	// A v1 int64 key read as v2 has the wrong value length.
	if _, err := ParseRedisKey(want, jk, []ValueType{Int64}, 2, "feast_demo"); err == nil {
		t.Error("v1 key parsed as v2: want error")
	}
}

func TestRedisKeyDummyEntity(t *testing.T) {
	// Section 2.1: the entityless placeholder key.
	want := keyBytes(t, "01000000 02000000 0a000000", `"__dummy_id"`, "02000000 00000000", `"proj"`)
	got, err := RedisKey([]string{"__dummy_id"}, []EntityValue{{Type: String}}, 3, "proj")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("dummy key = %x, %v; want %x", got, err, want)
	}
}

func TestParseRedisKeyCallerOrder(t *testing.T) {
	// Section 2.1 compound example, join keys given as merchant_id, customer_id.
	key := keyBytes(t, "02000000", "02000000 0b000000", `"customer_id"`, "02000000 0b000000", `"merchant_id"`,
		"04000000 08000000 40e2010000000000", "02000000 04000000", `"m_19"`, `"fraud"`)
	vals, err := ParseRedisKey(key, []string{"merchant_id", "customer_id"}, []ValueType{String, Int64}, 3, "fraud")
	if err != nil {
		t.Fatal(err)
	}
	if vals[0].Str != "m_19" || vals[1].Int != 123456 {
		t.Errorf("values = %+v, want [m_19 123456] in the caller's order", vals)
	}
	// nil types accept what is stored.
	if _, err := ParseRedisKey(key, []string{"merchant_id", "customer_id"}, nil, 3, "fraud"); err != nil {
		t.Errorf("nil types: %v", err)
	}
	// A declared type that differs from the stored one is an error.
	if _, err := ParseRedisKey(key, []string{"merchant_id", "customer_id"}, []ValueType{String, Int32}, 3, "fraud"); err == nil {
		t.Error("stored INT64 read as INT32: want error")
	}
}

func TestParseRedisKeyProjectSuffix(t *testing.T) {
	jk := []string{"driver_id"}
	vals := []EntityValue{{Type: Int64, Int: 7}}
	mine, _ := RedisKey(jk, vals, 3, "my_demo")
	if _, err := ParseRedisKey(mine, jk, nil, 3, "demo"); err == nil {
		t.Error("key of project my_demo accepted for project demo")
	}
	demo, _ := RedisKey(jk, vals, 3, "demo")
	if _, err := ParseRedisKey(demo, jk, nil, 3, "my_demo"); err == nil {
		t.Error("key of project demo accepted for project my_demo")
	}
	if _, err := ParseRedisKey(demo, jk, nil, 3, "demo"); err != nil {
		t.Error(err)
	}
}

func TestParseRedisKeyCharLengthFlavor(t *testing.T) {
	// Feast 0.44–0.60 wrote the name length in characters (section 2.2):
	// "número" is 6 characters, 7 bytes.
	key := keyBytes(t, "01000000 02000000 06000000", `"número"`, "04000000 08000000 0500000000000000", `"feast_demo"`)
	vals, err := ParseRedisKey(key, []string{"número"}, []ValueType{Int64}, 3, "feast_demo")
	if err != nil {
		t.Fatal(err)
	}
	if vals[0].Int != 5 {
		t.Errorf("value %d, want 5", vals[0].Int)
	}
	// The scan pattern must match both flavours: it stops before the length.
	p := ScanPattern([]string{"número"}, 3, "feast_demo")
	cur, _ := RedisKey([]string{"número"}, []EntityValue{{Type: Int64, Int: 5}}, 3, "feast_demo")
	if !globMatch(p, string(key)) || !globMatch(p, string(cur)) {
		t.Errorf("ScanPattern %q does not match both flavours", p)
	}
}

func TestScanPatternEscapes(t *testing.T) {
	// A 42-byte join key name gives the length byte 0x2a = '*' (pitfall 7).
	name := strings.Repeat("k", 42)
	p := ScanPattern([]string{name}, 3, "p[1]")
	want := string(keyBytes(t, "01000000 02000000")) + `\*` + "\x00\x00\x00" + name + `*p\[1\]`
	if p != want {
		t.Errorf("ScanPattern = %q, want %q", p, want)
	}
	// v2 prefix: no count, no lengths (Feast's serialize_entity_key_prefix).
	p = ScanPattern([]string{"b", "a"}, 2, "x")
	want = string(keyBytes(t, "02000000", `"a"`, "02000000", `"b"`)) + "*x"
	if p != want {
		t.Errorf("v2 ScanPattern = %q, want %q", p, want)
	}
	// Every metacharacter byte is escaped.
	p = ScanPattern([]string{`*?[]\`}, 2, "")
	if !strings.HasSuffix(p, `\*\?\[\]\\*`) {
		t.Errorf("ScanPattern = %q: metacharacters not escaped", p)
	}
}

func TestParseRedisKeyMalformed(t *testing.T) {
	jk := []string{"driver_id"}
	good, _ := RedisKey(jk, []EntityValue{{Type: Int64, Int: 1001}}, 3, "feast_demo")
	for i := 0; i < len(good)-len("feast_demo"); i++ {
		_, err := ParseRedisKey(good[:i], jk, nil, 3, "feast_demo")
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("truncated at %d: err %v, want *KeyError", i, err)
		}
	}
	bad := bytes.Clone(good)
	bad[0] = 2 // count 2
	if _, err := ParseRedisKey(bad, jk, nil, 3, "feast_demo"); err == nil {
		t.Error("wrong count accepted")
	}
	bad = bytes.Clone(good)
	bad[24] = 0xff // value length huge
	if _, err := ParseRedisKey(bad, jk, nil, 3, "feast_demo"); err == nil {
		t.Error("huge value length accepted")
	}
	if _, err := ParseRedisKey(good, []string{"rider_id"}, nil, 3, "feast_demo"); err == nil {
		t.Error("other join key name accepted")
	}
	if _, err := ParseRedisKey(good, jk, nil, 4, "feast_demo"); err == nil {
		t.Error("version 4 accepted")
	}
	if _, err := ParseRedisKey(good, jk, []ValueType{Int64, Int64}, 3, "feast_demo"); err == nil {
		t.Error("types of the wrong length accepted")
	}
}

func TestSerializeEntityKeyErrors(t *testing.T) {
	cases := []struct {
		name string
		jk   []string
		vals []EntityValue
	}{
		{"count mismatch", []string{"a"}, nil},
		{"no keys", nil, nil},
		{"duplicate", []string{"a", "a"}, []EntityValue{{Type: String}, {Type: String}}},
		{"float", []string{"a"}, []EntityValue{{Type: Double}}},
		{"int32 range", []string{"a"}, []EntityValue{{Type: Int32, Int: 1 << 40}}},
	}
	for _, c := range cases {
		if _, err := SerializeEntityKey(c.jk, c.vals, 3); err == nil {
			t.Errorf("%s: want error", c.name)
		}
	}
}

func TestEntityText(t *testing.T) {
	cases := []struct {
		v    EntityValue
		text string
	}{
		{EntityValue{Type: Int64, Int: -5000000000}, "-5000000000"},
		{EntityValue{Type: Int32, Int: -7}, "-7"},
		{EntityValue{Type: UnixTimestamp, Int: 1704067200}, "1704067200"},
		{EntityValue{Type: String, Str: "üser-é"}, "üser-é"},
		{EntityValue{Type: Bytes, Bytes: []byte{0xca, 0xfe, 0}}, "cafe00"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.text {
			t.Errorf("%+v.String() = %q, want %q", c.v, got, c.text)
		}
		back, err := ParseEntityText(c.v.Type, c.text)
		if err != nil {
			t.Fatal(err)
		}
		if back.String() != c.text || back.Type != c.v.Type {
			t.Errorf("ParseEntityText(%s, %q) = %+v", c.v.Type, c.text, back)
		}
	}
	for _, bad := range []struct {
		t ValueType
		s string
	}{{Int32, "2147483648"}, {Int64, "1.5"}, {Bytes, "xyz"}, {Float, "1"}} {
		if _, err := ParseEntityText(bad.t, bad.s); err == nil {
			t.Errorf("ParseEntityText(%s, %q): want error", bad.t, bad.s)
		}
	}
}

func TestValueTypeNames(t *testing.T) {
	for _, c := range []struct {
		t    ValueType
		name string
	}{{Int64, "INT64"}, {FloatList, "FLOAT_LIST"}, {UnixTimestamp, "UNIX_TIMESTAMP"}, {ZonedTimestamp, "ZONED_TIMESTAMP"}, {Decimal, "DECIMAL"}, {Bytes, "BYTES"}} {
		if c.t.String() != c.name {
			t.Errorf("%d.String() = %q, want %q", int32(c.t), c.t.String(), c.name)
		}
		got, err := ParseValueType(c.name)
		if err != nil || got != c.t {
			t.Errorf("ParseValueType(%q) = %d, %v", c.name, got, err)
		}
	}
	if _, err := ParseValueType("FLOAT64"); err == nil {
		t.Error("ParseValueType(FLOAT64): want error")
	}
	if ValueType(30).String() != "ValueType(30)" {
		t.Errorf("ValueType(30).String() = %q", ValueType(30).String())
	}
}

func FuzzParseRedisKey(f *testing.F) {
	seeds := [][]byte{
		{},
		unhexF("0100000002000000090000006472697665725f69640400000008000000e90300000000000066656173745f64656d6f"),
		unhexF("02000000020000000b000000637573746f6d65725f6964020000000b0000006d65726368616e745f6964040000000800000040e201000000000002000000040000006d5f31396672617564"),
		unhexF("0100000002000000ffffffff"),
	}
	for _, s := range seeds {
		f.Add(s, 3)
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, key []byte, version int) {
		for _, jk := range [][]string{{"driver_id"}, {"merchant_id", "customer_id"}} {
			vals, err := ParseRedisKey(key, jk, nil, version, "fraud")
			if err != nil {
				continue
			}
			// Whatever parses must serialize back to the same bytes, unless
			// it used the character-length flavour (ASCII names here).
			again, err := RedisKey(jk, vals, version, "fraud")
			if err != nil {
				t.Fatalf("parsed key does not serialize: %v", err)
			}
			if !bytes.Equal(again, key) {
				t.Fatalf("round trip %x -> %x", key, again)
			}
		}
	})
}
