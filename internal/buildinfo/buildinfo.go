// Package buildinfo says which fsmon this is: its version, the source
// revision it was built from and when it was built.
//
// The Makefile stamps all three with -ldflags -X (see the variables below),
// from git when there is a .git and from the VERSION and REVISION files of a
// source tarball otherwise. A plain `go build` or `go install` falls back to
// what the Go toolchain records (runtime/debug.ReadBuildInfo): the module
// version, and the vcs.revision, vcs.time and vcs.modified stamps.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at link time, e.g.
//
//	go build -ldflags "-X github.com/fsmon/fsmon/internal/buildinfo.version=0.2.0
//	  -X github.com/fsmon/fsmon/internal/buildinfo.revision=$(git rev-parse HEAD)
//	  -X github.com/fsmon/fsmon/internal/buildinfo.buildDate=2026-12-05T22:00:00Z"
var (
	version   string
	revision  string
	buildDate string
)

// DefaultVersion is the release in the source tree, used when nothing was
// stamped. A test keeps it equal to the repository's VERSION file.
const DefaultVersion = "0.1.0"

// Unknown is what a field says when no source knows it.
const Unknown = "unknown"

// Info describes one build.
type Info struct {
	Version   string // release, e.g. "0.1.0"
	Revision  string // full commit hash; "-modified" appended for a dirty tree
	BuildDate string // RFC 3339, UTC; the commit time when the build was not stamped
	GoVersion string // runtime.Version()
	Platform  string // GOOS/GOARCH
}

// Get returns the running binary's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Info{Version: version, Revision: revision, BuildDate: buildDate}, bi)
}

// resolve fills what stamped lacks from the toolchain's build information
// (bi may be nil), then from the defaults.
func resolve(stamped Info, bi *debug.BuildInfo) Info {
	out := stamped
	out.GoVersion = runtime.Version()
	out.Platform = runtime.GOOS + "/" + runtime.GOARCH
	var vcsRev, vcsTime string
	var modified bool
	if bi != nil {
		if bi.GoVersion != "" {
			out.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRev = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if out.Version == "" && bi != nil {
		// `go install github.com/fsmon/fsmon/cmd/fsmon@v0.2.0` records the
		// module version; a build inside the module records "(devel)" or
		// a pseudo-version, which says less than the source default.
		if v := bi.Main.Version; strings.HasPrefix(v, "v") && !isPseudo(v) {
			out.Version = strings.TrimPrefix(v, "v")
		}
	}
	if out.Version == "" {
		out.Version = DefaultVersion
	}
	if out.Revision == "" && vcsRev != "" {
		out.Revision = vcsRev
		if modified {
			out.Revision += "-modified"
		}
	}
	if out.Revision == "" {
		out.Revision = Unknown
	}
	if out.BuildDate == "" {
		out.BuildDate = vcsTime
	}
	if out.BuildDate == "" {
		out.BuildDate = Unknown
	}
	return out
}

// isPseudo reports whether v is a Go pseudo-version
// (v0.0.0-20261205220000-abcdefabcdef), which names no release.
func isPseudo(v string) bool {
	if strings.HasSuffix(v, "+dirty") {
		return true
	}
	parts := strings.Split(v, "-")
	if len(parts) < 3 {
		return false
	}
	ts := parts[len(parts)-2]
	if i := strings.LastIndex(ts, "."); i >= 0 {
		ts = ts[i+1:]
	}
	return len(ts) == 14 && len(parts[len(parts)-1]) == 12
}
