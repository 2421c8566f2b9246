package buildinfo

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDefaultVersionMatchesVERSIONFile(t *testing.T) {
	b, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != DefaultVersion {
		t.Errorf("VERSION file says %q, DefaultVersion is %q: bump both", got, DefaultVersion)
	}
}

func settings(kv ...string) []debug.BuildSetting {
	var s []debug.BuildSetting
	for i := 0; i+1 < len(kv); i += 2 {
		s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
	}
	return s
}

func TestResolve(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		name    string
		stamped Info
		bi      *debug.BuildInfo
		want    Info // GoVersion and Platform not compared
	}{
		{
			name:    "stamped by the Makefile wins",
			stamped: Info{Version: "0.2.0", Revision: rev, BuildDate: "2026-12-05T22:00:00Z"},
			bi:      &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}, Settings: settings("vcs.revision", "ffff", "vcs.time", "2026-01-01T00:00:00Z")},
			want:    Info{Version: "0.2.0", Revision: rev, BuildDate: "2026-12-05T22:00:00Z"},
		},
		{
			name: "go build in a git checkout: vcs stamps, source version",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.1.1-0.20261205220000-0123456789ab"},
				Settings: settings("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-05T21:00:00Z", "vcs.modified", "false")},
			want: Info{Version: DefaultVersion, Revision: rev, BuildDate: "2026-12-05T21:00:00Z"},
		},
		{
			name: "dirty tree",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.1.1-0.20261205220000-0123456789ab+dirty"},
				Settings: settings("vcs.revision", rev, "vcs.modified", "true")},
			want: Info{Version: DefaultVersion, Revision: rev + "-modified", BuildDate: Unknown},
		},
		{
			name: "go install module@version",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}},
			want: Info{Version: "0.3.1", Revision: Unknown, BuildDate: Unknown},
		},
		{
			name: "tarball built with plain go build: nothing known",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want: Info{Version: DefaultVersion, Revision: Unknown, BuildDate: Unknown},
		},
		{
			name:    "only the revision stamped (make REVISION=…)",
			stamped: Info{Revision: rev},
			bi:      nil,
			want:    Info{Version: DefaultVersion, Revision: rev, BuildDate: Unknown},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := resolve(c.stamped, c.bi)
			if got.GoVersion == "" || !strings.Contains(got.Platform, "/") {
				t.Errorf("GoVersion %q, Platform %q: want both set", got.GoVersion, got.Platform)
			}
			got.GoVersion, got.Platform = "", ""
			if got != c.want {
				t.Errorf("resolve = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestIsPseudo(t *testing.T) {
	for v, want := range map[string]bool{
		"v0.1.0":                                    false,
		"v1.2.3-rc.1":                               false,
		"v0.0.0-20261205220000-0123456789ab":        true,
		"v0.1.1-0.20261205220000-0123456789ab":      true,
		"v0.2.0-rc.1.0.20261205220000-0123456789ab": true,
		"v0.1.0+dirty":                              true,
	} {
		if got := isPseudo(v); got != want {
			t.Errorf("isPseudo(%q) = %v, want %v", v, got, want)
		}
	}
}
