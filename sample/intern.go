package sample

// Interner shares the text of repeated values of a string feature, so that
// a sample of a million rows holding a few hundred cities keeps a few
// hundred strings, not a million. It remembers at most MaxInterned distinct
// values (later new values are kept as they are), so a column of distinct
// values (e-mail addresses) costs no more than without it. The zero value
// is ready to use; an Interner is not safe for concurrent use.
type Interner struct {
	m map[string]string
}

// MaxInterned is how many distinct values an Interner remembers.
const MaxInterned = 4096

// String returns s, or an equal string seen before.
func (in *Interner) String(s string) string {
	if v, ok := in.m[s]; ok {
		return v
	}
	in.remember(s)
	return s
}

// Bytes returns b as a string, reusing an equal string seen before instead
// of allocating one.
func (in *Interner) Bytes(b []byte) string {
	if v, ok := in.m[string(b)]; ok {
		return v
	}
	s := string(b)
	in.remember(s)
	return s
}

func (in *Interner) remember(s string) {
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < MaxInterned {
		in.m[s] = s
	}
}
