package feast

import (
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Kind classifies a decoded feast.types.Value.
type Kind uint8

// The kinds of values.
const (
	// KindNull is an empty value (Feast's null: zero bytes) or null_val.
	KindNull Kind = iota
	// KindNumber is int32, int64, float, double or unix_timestamp; Num holds it.
	KindNumber
	// KindBool is bool; Num is 0 or 1 and Str "false" or "true".
	KindBool
	// KindString is string, bytes (Str is lower-case hex), uuid, time_uuid
	// or decimal; Str holds the text.
	KindString
	// KindOther is any other member (lists, sets, maps, json, struct,
	// zoned timestamps, members newer than this package): only its presence
	// is known.
	KindOther
)

var kindNames = [...]string{"null", "number", "bool", "string", "other"}

// String returns the kind's name ("null", "number", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Value is a decoded feast.types.Value. Type is the oneof member that was
// set (its number equals the ValueType), Invalid for an empty value.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
	Type ValueType
}

// ValueError is returned by DecodeValue and DecodeTimestamp for bytes that
// are not a valid message. It never holds the bytes themselves.
type ValueError struct {
	What   string // "feast value" or "timestamp"
	Offset int
	Msg    string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: at byte %d: %s", e.What, e.Offset, e.Msg)
}

// DecodeValue decodes a serialized feast.types.Value as stored in a Feast
// hash field. Empty bytes are Feast's null (KindNull). When several oneof
// members are present the last one wins, as in protobuf; unknown fields are
// skipped (a value holding only unknown fields is KindOther). It never
// panics and does not allocate for numbers and booleans.
func DecodeValue(b []byte) (Value, error) {
	var v Value
	off := 0
	for off < len(b) {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return Value{}, &ValueError{"feast value", off, "bad field tag: " + protowire.ParseError(n).Error()}
		}
		start := off
		off += n
		bad := func(want protowire.Type) (Value, error) {
			return Value{}, &ValueError{"feast value", start, fmt.Sprintf("field %d has wire type %d, want %d", num, typ, want)}
		}
		switch num {
		case 3, 4, 7, 8, 19: // int32, int64, bool, unix_timestamp, null
			if typ != protowire.VarintType {
				return bad(protowire.VarintType)
			}
			x, m := protowire.ConsumeVarint(b[off:])
			if m < 0 {
				return Value{}, &ValueError{"feast value", off, "bad varint of field " + fmt.Sprint(num)}
			}
			off += m
			switch num {
			case 3:
				v = Value{Kind: KindNumber, Num: float64(int32(x)), Type: Int32}
			case 4, 8:
				v = Value{Kind: KindNumber, Num: float64(int64(x)), Type: ValueType(num)}
			case 7:
				if x != 0 {
					v = Value{Kind: KindBool, Num: 1, Str: "true", Type: Bool}
				} else {
					v = Value{Kind: KindBool, Num: 0, Str: "false", Type: Bool}
				}
			case 19:
				v = Value{Kind: KindNull, Type: Null}
			}
		case 5: // double
			if typ != protowire.Fixed64Type {
				return bad(protowire.Fixed64Type)
			}
			x, m := protowire.ConsumeFixed64(b[off:])
			if m < 0 {
				return Value{}, &ValueError{"feast value", off, "truncated double"}
			}
			off += m
			v = Value{Kind: KindNumber, Num: math.Float64frombits(x), Type: Double}
		case 6: // float
			if typ != protowire.Fixed32Type {
				return bad(protowire.Fixed32Type)
			}
			x, m := protowire.ConsumeFixed32(b[off:])
			if m < 0 {
				return Value{}, &ValueError{"feast value", off, "truncated float"}
			}
			off += m
			v = Value{Kind: KindNumber, Num: float64(math.Float32frombits(x)), Type: Float}
		default:
			if ValueType(num).Known() {
				// Every other known member is length-delimited.
				if typ != protowire.BytesType {
					return bad(protowire.BytesType)
				}
				s, m := protowire.ConsumeBytes(b[off:])
				if m < 0 {
					return Value{}, &ValueError{"feast value", off, fmt.Sprintf("truncated field %d", num)}
				}
				off += m
				switch ValueType(num) {
				case Bytes:
					v = Value{Kind: KindString, Str: hex.EncodeToString(s), Type: Bytes}
				case String, UUID, TimeUUID, Decimal:
					v = Value{Kind: KindString, Str: string(s), Type: ValueType(num)}
				default:
					v = Value{Kind: KindOther, Type: ValueType(num)}
				}
				continue
			}
			m := protowire.ConsumeFieldValue(num, typ, b[off:])
			if m < 0 {
				return Value{}, &ValueError{"feast value", off, fmt.Sprintf("bad unknown field %d: %v", num, protowire.ParseError(m))}
			}
			off += m
			if v.Type == Invalid && v.Kind == KindNull {
				v = Value{Kind: KindOther, Type: ValueType(num)}
			}
		}
	}
	return v, nil
}

// DecodeTimestamp decodes a serialized google.protobuf.Timestamp (the
// "_ts:<view>" field). Empty bytes are the epoch (1970-01-01T00:00:00Z).
// The result is in UTC. Nanos outside [0, 1e9) are an error.
func DecodeTimestamp(b []byte) (time.Time, error) {
	var sec int64
	var nanos int32
	off := 0
	for off < len(b) {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return time.Time{}, &ValueError{"timestamp", off, "bad field tag: " + protowire.ParseError(n).Error()}
		}
		start := off
		off += n
		if (num == 1 || num == 2) && typ != protowire.VarintType {
			return time.Time{}, &ValueError{"timestamp", start, fmt.Sprintf("field %d has wire type %d, want 0", num, typ)}
		}
		switch num {
		case 1, 2:
			x, m := protowire.ConsumeVarint(b[off:])
			if m < 0 {
				return time.Time{}, &ValueError{"timestamp", off, "bad varint"}
			}
			off += m
			if num == 1 {
				sec = int64(x)
			} else {
				nanos = int32(x)
			}
		default:
			m := protowire.ConsumeFieldValue(num, typ, b[off:])
			if m < 0 {
				return time.Time{}, &ValueError{"timestamp", off, fmt.Sprintf("bad unknown field %d", num)}
			}
			off += m
		}
	}
	if nanos < 0 || nanos >= 1e9 {
		return time.Time{}, &ValueError{"timestamp", 0, fmt.Sprintf("nanos %d out of range", nanos)}
	}
	return time.Unix(sec, int64(nanos)).UTC(), nil
}
