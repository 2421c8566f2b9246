// Package feastpb holds Go types generated from registry.proto, fsmon's own
// minimal description of Feast's registry proto (only the fields fsmon
// reads, at Feast's field numbers).
package feastpb

//go:generate protoc -I../.. --go_out=../.. --go_opt=paths=source_relative feast/feastpb/feastreg.proto
