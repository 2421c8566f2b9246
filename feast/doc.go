// Package feast reads and writes the formats Feast uses in its Redis online
// store and its file registry: entity keys, hash field names, serialized
// feast.types.Value and google.protobuf.Timestamp values, feature_store.yaml
// and the registry proto. It does no network I/O.
//
// The layout is described in docs/feast-redis-layout.md;
// the section numbers in comments refer to that file.
package feast
