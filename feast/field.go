package feast

import (
	"encoding/binary"
	"strconv"

	"github.com/spaolacci/murmur3"
)

// FieldName returns the hash field Feast uses for feature of view (the
// stored view name, section 3.3): the 4 bytes of the little-endian
// MurmurHash3_x86_32 (seed 0) of "view:feature", as a Go string.
func FieldName(view, feature string) string {
	h := murmur3.Sum32([]byte(view + ":" + feature))
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
