package feast

import "testing"

// TestExpandVars checks ExpandVars against Python's posixpath.expandvars
// (what Feast applies to feature_store.yaml). The wanted values were
// printed by:
//
//	os.environ.clear(); os.environ.update({'BUCKET': 'prod-feast', 'EMPTY': '', 'A_1': 'x'})
//	print(posixpath.expandvars(s))
func TestExpandVars(t *testing.T) {
	env := map[string]string{"BUCKET": "prod-feast", "EMPTY": "", "A_1": "x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := map[string]string{
		"s3://${BUCKET}/registry.pb": "s3://prod-feast/registry.pb",
		"$BUCKET/x":                  "prod-feast/x",
		"${MISSING}/y":               "${MISSING}/y",
		"$MISSING":                   "$MISSING",
		"${BUCKET":                   "${BUCKET",
		"cost $5":                    "cost $5",
		"${EMPTY}z":                  "z",
		"$A_1${A_1}":                 "xx",
		"$$BUCKET":                   "$prod-feast",
		"${}":                        "${}",
		"tail$":                      "tail$",
	}
	for in, want := range cases {
		if got := ExpandVars(in, lookup); got != want {
			t.Errorf("ExpandVars(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRepoExpandsVariables(t *testing.T) {
	t.Setenv("FSMON_TEST_BUCKET", "prod-feast")
	r, err := parseRepo([]byte("project: p\nregistry: s3://${FSMON_TEST_BUCKET}/feast/registry.pb\nonline_store: {type: redis}\n"), "/repo")
	if err != nil {
		t.Fatal(err)
	}
	if r.RegistryPath != "s3://prod-feast/feast/registry.pb" {
		t.Errorf("registry path %q, want the variable expanded", r.RegistryPath)
	}
}
