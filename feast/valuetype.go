package feast

import (
	"fmt"
	"strconv"
)

// ValueType is a Feast ValueType enum number (feast.types.ValueType.Enum).
// The numbers equal the field numbers of the matching feast.types.Value
// oneof members.
type ValueType int32

// The Feast value types.
const (
	Invalid           ValueType = 0
	Bytes             ValueType = 1
	String            ValueType = 2
	Int32             ValueType = 3
	Int64             ValueType = 4
	Double            ValueType = 5
	Float             ValueType = 6
	Bool              ValueType = 7
	UnixTimestamp     ValueType = 8
	BytesList         ValueType = 11
	StringList        ValueType = 12
	Int32List         ValueType = 13
	Int64List         ValueType = 14
	DoubleList        ValueType = 15
	FloatList         ValueType = 16
	BoolList          ValueType = 17
	UnixTimestampList ValueType = 18
	Null              ValueType = 19
	Map               ValueType = 20
	MapList           ValueType = 21
	BytesSet          ValueType = 22
	StringSet         ValueType = 23
	Int32Set          ValueType = 24
	Int64Set          ValueType = 25
	DoubleSet         ValueType = 26
	FloatSet          ValueType = 27
	BoolSet           ValueType = 28
	UnixTimestampSet  ValueType = 29
	JSON              ValueType = 32
	JSONList          ValueType = 33
	Struct            ValueType = 34
	StructList        ValueType = 35
	UUID              ValueType = 36
	TimeUUID          ValueType = 37
	UUIDList          ValueType = 38
	TimeUUIDList      ValueType = 39
	UUIDSet           ValueType = 40
	TimeUUIDSet       ValueType = 41
	ValueList         ValueType = 42
	ValueSet          ValueType = 43
	Decimal           ValueType = 44
	DecimalList       ValueType = 45
	DecimalSet        ValueType = 46
	ScalarMap         ValueType = 47
	ZonedTimestamp    ValueType = 48
)

// valueTypeNames holds Feast's enum names (protos/feast/types/Value.proto).
var valueTypeNames = map[ValueType]string{
	Invalid: "INVALID", Bytes: "BYTES", String: "STRING", Int32: "INT32",
	Int64: "INT64", Double: "DOUBLE", Float: "FLOAT", Bool: "BOOL",
	UnixTimestamp: "UNIX_TIMESTAMP", BytesList: "BYTES_LIST",
	StringList: "STRING_LIST", Int32List: "INT32_LIST", Int64List: "INT64_LIST",
	DoubleList: "DOUBLE_LIST", FloatList: "FLOAT_LIST", BoolList: "BOOL_LIST",
	UnixTimestampList: "UNIX_TIMESTAMP_LIST", Null: "NULL", Map: "MAP",
	MapList: "MAP_LIST", BytesSet: "BYTES_SET", StringSet: "STRING_SET",
	Int32Set: "INT32_SET", Int64Set: "INT64_SET", DoubleSet: "DOUBLE_SET",
	FloatSet: "FLOAT_SET", BoolSet: "BOOL_SET",
	UnixTimestampSet: "UNIX_TIMESTAMP_SET", JSON: "JSON", JSONList: "JSON_LIST",
	Struct: "STRUCT", StructList: "STRUCT_LIST", UUID: "UUID",
	TimeUUID: "TIME_UUID", UUIDList: "UUID_LIST",
	TimeUUIDList: "TIME_UUID_LIST", UUIDSet: "UUID_SET",
	TimeUUIDSet: "TIME_UUID_SET", ValueList: "VALUE_LIST",
	ValueSet: "VALUE_SET", Decimal: "DECIMAL", DecimalList: "DECIMAL_LIST",
	DecimalSet: "DECIMAL_SET", ScalarMap: "SCALAR_MAP",
	ZonedTimestamp: "ZONED_TIMESTAMP",
}

// String returns Feast's name of t ("INT64", "FLOAT_LIST", ...), or
// "ValueType(N)" for a number Feast does not define.
func (t ValueType) String() string {
	if n, ok := valueTypeNames[t]; ok {
		return n
	}
	return "ValueType(" + strconv.Itoa(int(t)) + ")"
}

// Known reports whether t is a value type Feast defines (INVALID included).
func (t ValueType) Known() bool {
	_, ok := valueTypeNames[t]
	return ok
}

// ParseValueType returns the value type with Feast's name name ("INT64").
func ParseValueType(name string) (ValueType, error) {
	for t, n := range valueTypeNames {
		if n == name {
			return t, nil
		}
	}
	return Invalid, fmt.Errorf("unknown Feast value type %q", name)
}

// IsEntityType reports whether t can be the type of a join key value in a
// Redis key (section 2.1): BYTES, STRING, INT32, INT64 or UNIX_TIMESTAMP.
func (t ValueType) IsEntityType() bool {
	switch t {
	case Bytes, String, Int32, Int64, UnixTimestamp:
		return true
	}
	return false
}
