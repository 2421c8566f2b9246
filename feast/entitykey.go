package feast

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// EntityValue is one join key value of an entity key. Type is one of BYTES,
// STRING, INT32, INT64 or UNIX_TIMESTAMP; Str holds a STRING value, Int an
// integer value and Bytes a BYTES value.
type EntityValue struct {
	Type  ValueType
	Str   string
	Int   int64
	Bytes []byte
}

// String returns the canonical text of v, the form fsmon uses in
// sample.Entity: decimal for integers, the raw text for strings and
// lower-case hex for bytes.
func (v EntityValue) String() string {
	switch v.Type {
	case Int32, Int64, UnixTimestamp:
		return strconv.FormatInt(v.Int, 10)
	case Bytes:
		return hex.EncodeToString(v.Bytes)
	default:
		return v.Str
	}
}

// ParseEntityText is the inverse of EntityValue.String: it reads the text s
// as a join key value of type t.
func ParseEntityText(t ValueType, s string) (EntityValue, error) {
	switch t {
	case String:
		return EntityValue{Type: String, Str: s}, nil
	case Bytes:
		b, err := hex.DecodeString(s)
		if err != nil {
			return EntityValue{}, fmt.Errorf("parse BYTES entity value: want hex: %w", err)
		}
		return EntityValue{Type: Bytes, Bytes: b}, nil
	case Int32:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return EntityValue{}, fmt.Errorf("parse INT32 entity value: %w", errors.Unwrap(err))
		}
		return EntityValue{Type: Int32, Int: n}, nil
	case Int64, UnixTimestamp:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return EntityValue{}, fmt.Errorf("parse %s entity value: %w", t, errors.Unwrap(err))
		}
		return EntityValue{Type: t, Int: n}, nil
	}
	return EntityValue{}, fmt.Errorf("value type %s cannot be a join key value", t)
}

func checkVersion(version int) error {
	if version < 1 || version > 3 {
		return fmt.Errorf("entity_key_serialization_version %d not supported (want 1, 2 or 3)", version)
	}
	return nil
}

// sortedOrder returns the indexes of joinKeys in Feast's key order (join key
// name, code point order).
func sortedOrder(joinKeys []string) ([]int, error) {
	idx := make([]int, len(joinKeys))
	for i := range idx {
		idx[i] = i
	}
	// Insertion sort: few join keys, and no allocation on the hot path.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && joinKeys[idx[j]] < joinKeys[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	for i := 1; i < len(idx); i++ {
		if joinKeys[idx[i]] == joinKeys[idx[i-1]] {
			return nil, fmt.Errorf("join key %q given twice", joinKeys[idx[i]])
		}
	}
	return idx, nil
}

func appendU32(b []byte, n uint32) []byte { return binary.LittleEndian.AppendUint32(b, n) }

// SerializeEntityKey returns Feast's serialize_entity_key bytes of the
// entity whose join keys joinKeys have the values values (same order), for
// entity_key_serialization_version 1, 2 or 3 (the current v3 layout, with
// the UTF-8 byte length of names: section 2).
func SerializeEntityKey(joinKeys []string, values []EntityValue, version int) ([]byte, error) {
	return appendEntityKey(nil, joinKeys, values, version)
}

func appendEntityKey(out []byte, joinKeys []string, values []EntityValue, version int) ([]byte, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	if len(joinKeys) != len(values) {
		return nil, fmt.Errorf("serialize entity key: %d join keys but %d values", len(joinKeys), len(values))
	}
	if len(joinKeys) == 0 {
		return nil, errors.New("serialize entity key: no join keys")
	}
	order, err := sortedOrder(joinKeys)
	if err != nil {
		return nil, fmt.Errorf("serialize entity key: %w", err)
	}
	out = appendKeyPrefix(out, joinKeys, order, version, false)
	for _, i := range order {
		v := values[i]
		switch v.Type {
		case String:
			out = appendU32(out, uint32(String))
			out = appendU32(out, uint32(len(v.Str)))
			out = append(out, v.Str...)
		case Bytes:
			out = appendU32(out, uint32(Bytes))
			out = appendU32(out, uint32(len(v.Bytes)))
			out = append(out, v.Bytes...)
		case Int32:
			if v.Int < math.MinInt32 || v.Int > math.MaxInt32 {
				return nil, fmt.Errorf("serialize entity key: join key %q: INT32 value out of range", joinKeys[i])
			}
			out = appendU32(out, uint32(Int32))
			out = appendU32(out, 4)
			out = appendU32(out, uint32(int32(v.Int)))
		case Int64:
			out = appendU32(out, uint32(Int64))
			if version == 1 {
				if v.Int < math.MinInt32 || v.Int > math.MaxInt32 {
					return nil, fmt.Errorf("serialize entity key: join key %q: INT64 value does not fit the 4 bytes of key version 1", joinKeys[i])
				}
				out = appendU32(out, 4)
				out = appendU32(out, uint32(int32(v.Int)))
			} else {
				out = appendU32(out, 8)
				out = binary.LittleEndian.AppendUint64(out, uint64(v.Int))
			}
		case UnixTimestamp:
			out = appendU32(out, uint32(UnixTimestamp))
			out = appendU32(out, 8)
			out = binary.LittleEndian.AppendUint64(out, uint64(v.Int))
		default:
			return nil, fmt.Errorf("serialize entity key: join key %q: value type %s cannot be a join key value", joinKeys[i], v.Type)
		}
	}
	return out, nil
}

// appendKeyPrefix appends the part of the key before the values: the count
// (v3) and the join key names in order. With glob true, it stops before the
// length of the first non-ASCII name in v3 (Feast 0.44–0.60 wrote the
// length in characters there) and escapes glob metacharacters.
func appendKeyPrefix(out []byte, joinKeys []string, order []int, version int, glob bool) []byte {
	add := func(b []byte) {
		if glob {
			out = appendGlobEscaped(out, b)
		} else {
			out = append(out, b...)
		}
	}
	var u [4]byte
	if version >= 3 {
		binary.LittleEndian.PutUint32(u[:], uint32(len(joinKeys)))
		add(u[:])
	}
	for _, i := range order {
		name := joinKeys[i]
		binary.LittleEndian.PutUint32(u[:], uint32(String))
		add(u[:])
		if version >= 3 {
			if glob && utf8.RuneCountInString(name) != len(name) {
				return out
			}
			binary.LittleEndian.PutUint32(u[:], uint32(len(name)))
			add(u[:])
		}
		add([]byte(name))
	}
	return out
}

func appendGlobEscaped(out, b []byte) []byte {
	for _, c := range b {
		switch c {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return out
}

// RedisKey returns the Redis key Feast writes for the entity: the
// serialized entity key followed by the project name (section 2).
func RedisKey(joinKeys []string, values []EntityValue, version int, project string) ([]byte, error) {
	k, err := appendEntityKey(make([]byte, 0, 64), joinKeys, values, version)
	if err != nil {
		return nil, err
	}
	return append(k, project...), nil
}

// ScanPattern returns a SCAN MATCH pattern for the keys of entities with
// join keys joinKeys in project: the binary key prefix up to the values with
// the glob metacharacters * ? [ ] \ escaped, then "*", then the escaped
// project. It matches keys of other projects ending in the same text (demo,
// my_demo): check each key with ParseRedisKey.
func ScanPattern(joinKeys []string, version int, project string) string {
	order, err := sortedOrder(joinKeys)
	if err != nil || checkVersion(version) != nil {
		// Still a valid, if broad, pattern; ParseRedisKey rejects the keys.
		return "*" + string(appendGlobEscaped(nil, []byte(project)))
	}
	out := appendKeyPrefix(make([]byte, 0, 64), joinKeys, order, version, true)
	out = append(out, '*')
	out = appendGlobEscaped(out, []byte(project))
	return string(out)
}

// KeyError is returned by ParseRedisKey for a key that is not a Feast key of
// the expected join keys and project. It names the offset and the problem,
// never the key bytes.
type KeyError struct {
	Offset int
	Msg    string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("feast key: at byte %d: %s", e.Offset, e.Msg)
}

type keyReader struct {
	b   []byte
	off int
}

func (r *keyReader) fail(format string, a ...any) error {
	return &KeyError{Offset: r.off, Msg: fmt.Sprintf(format, a...)}
}

func (r *keyReader) u32(what string) (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, r.fail("truncated before %s", what)
	}
	n := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return n, nil
}

func (r *keyReader) take(n int, what string) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, r.fail("truncated %s", what)
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b, nil
}

// ParseRedisKey splits a Redis key written by Feast for the join keys
// joinKeys (with value types types, same order; a nil types or an INVALID
// entry accepts any stored type) in key version version and project
// project. It returns the values in the order of joinKeys as given. The
// remainder after the entity key must equal project exactly, so a key of
// project my_demo is rejected for project demo. Any malformed key gives a
// *KeyError; ParseRedisKey never panics. In version 3 a name length in
// characters (Feast 0.44–0.60, non-ASCII names) is accepted as well.
func ParseRedisKey(key []byte, joinKeys []string, types []ValueType, version int, project string) ([]EntityValue, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	if types != nil && len(types) != len(joinKeys) {
		return nil, fmt.Errorf("parse feast key: %d join keys but %d types", len(joinKeys), len(types))
	}
	if len(joinKeys) == 0 {
		return nil, errors.New("parse feast key: no join keys")
	}
	order, err := sortedOrder(joinKeys)
	if err != nil {
		return nil, fmt.Errorf("parse feast key: %w", err)
	}
	r := keyReader{b: key}
	if version >= 3 {
		n, err := r.u32("join key count")
		if err != nil {
			return nil, err
		}
		if int64(n) != int64(len(joinKeys)) {
			return nil, r.fail("key has %d join keys, want %d", n, len(joinKeys))
		}
	}
	for _, i := range order {
		name := joinKeys[i]
		tag, err := r.u32("join key tag")
		if err != nil {
			return nil, err
		}
		if tag != uint32(String) {
			return nil, r.fail("join key tag %d, want 2 (STRING)", tag)
		}
		if version >= 3 {
			l, err := r.u32("join key length")
			if err != nil {
				return nil, err
			}
			if int64(l) != int64(len(name)) && int64(l) != int64(utf8.RuneCountInString(name)) {
				return nil, r.fail("join key length %d, want %d for %q", l, len(name), name)
			}
		}
		got, err := r.take(len(name), "join key name")
		if err != nil {
			return nil, err
		}
		if string(got) != name {
			return nil, &KeyError{Offset: r.off - len(name), Msg: fmt.Sprintf("join key name differs from %q", name)}
		}
	}
	vals := make([]EntityValue, len(joinKeys))
	for _, i := range order {
		name := joinKeys[i]
		tag, err := r.u32("value type")
		if err != nil {
			return nil, err
		}
		t := ValueType(tag)
		if types != nil && types[i] != Invalid && types[i] != t {
			return nil, r.fail("join key %q: value type %s, want %s", name, t, types[i])
		}
		l, err := r.u32("value length")
		if err != nil {
			return nil, err
		}
		if int64(l) > int64(len(key)-r.off) {
			return nil, r.fail("truncated value of join key %q", name)
		}
		raw, _ := r.take(int(l), "")
		v := EntityValue{Type: t}
		switch t {
		case String:
			v.Str = string(raw)
		case Bytes:
			v.Bytes = bytes.Clone(raw)
		case Int32:
			if len(raw) != 4 {
				return nil, r.fail("join key %q: INT32 value of %d bytes, want 4", name, len(raw))
			}
			v.Int = int64(int32(binary.LittleEndian.Uint32(raw)))
		case Int64, UnixTimestamp:
			switch {
			case len(raw) == 8 && (version >= 2 || t == UnixTimestamp):
				v.Int = int64(binary.LittleEndian.Uint64(raw))
			case len(raw) == 4 && version == 1 && t == Int64:
				v.Int = int64(int32(binary.LittleEndian.Uint32(raw)))
			default:
				return nil, r.fail("join key %q: %s value of %d bytes in key version %d", name, t, len(raw), version)
			}
		default:
			return nil, r.fail("join key %q: value type %s cannot be a join key value", name, t)
		}
		vals[i] = v
	}
	if string(key[r.off:]) != project {
		return nil, &KeyError{Offset: r.off, Msg: fmt.Sprintf("project differs from %q", project)}
	}
	return vals, nil
}
