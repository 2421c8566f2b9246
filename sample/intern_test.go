package sample

import (
	"strconv"
	"testing"
	"unsafe"
)

func TestInternerSharesRepeatedValues(t *testing.T) {
	var in Interner
	a := in.Bytes([]byte("Paris"))
	b := in.Bytes([]byte("Paris"))
	c := in.String(string([]byte("Paris")))
	if a != "Paris" || b != "Paris" || c != "Paris" {
		t.Fatalf("got %q %q %q, want Paris", a, b, c)
	}
	if unsafe.StringData(a) != unsafe.StringData(b) || unsafe.StringData(a) != unsafe.StringData(c) {
		t.Error("equal values do not share their text")
	}
	if got := in.Bytes([]byte("Lyon")); got != "Lyon" {
		t.Errorf("got %q, want Lyon", got)
	}
}

func TestInternerIsBounded(t *testing.T) {
	var in Interner
	for i := range MaxInterned + 100 {
		s := "v" + strconv.Itoa(i)
		if got := in.String(s); got != s {
			t.Fatalf("got %q, want %q", got, s)
		}
	}
	if len(in.m) != MaxInterned {
		t.Errorf("remembers %d values, want at most %d", len(in.m), MaxInterned)
	}
	// Values beyond the bound are still returned, unshared.
	late := "v" + strconv.Itoa(MaxInterned+50)
	if got := in.Bytes([]byte(late)); got != late {
		t.Errorf("got %q, want %q", got, late)
	}
}
