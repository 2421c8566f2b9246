package feast

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// FieldName returns the hash field Feast uses for feature of view (the
// stored view name, section 3.3): the 4 bytes of the little-endian
// MurmurHash3_x86_32 (seed 0) of "view:feature", as a Go string.
func FieldName(view, feature string) string {
	h := murmur3x86_32([]byte(view+":"+feature), 0)
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], h)
	return string(b[:])
}

// TimestampField returns the hash field holding the event timestamp of view
// (the stored view name): "_ts:" + view.
func TimestampField(view string) string { return "_ts:" + view }

// StoredName returns the name a view has in Redis: name, or name_vN when
// online feature view versioning is enabled and version > 0 (section 3.3).
func StoredName(name string, versioning bool, version int) string {
	if versioning && version > 0 {
		return name + "_v" + strconv.Itoa(version)
	}
	return name
}

// murmur3x86_32 is Austin Appleby's MurmurHash3_x86_32, the hash of
// Python's mmh3.hash (unsigned) that Feast uses for field names. It is
// written out here, in safe Go, because the common Go package uses unsafe
// pointer arithmetic that the race detector rejects.
func murmur3x86_32(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data) / 4 * 4
	for i := 0; i < n; i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch tail := data[n:]; len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
