package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsmon/fsmon/feast"
)

// featureType maps a Feast value type to fsmon's feature type: numbers and
// the categorical bool and string keep their meaning, UNIX_TIMESTAMP is
// "timestamp" (instants at whole seconds), BYTES is "bytes" (compared byte
// for byte), every other Feast type (lists, sets, maps, json, ...) is
// "other" (presence only).
func featureType(t feast.ValueType) string {
	switch t {
	case feast.Float:
		return "float32"
	case feast.Double:
		return "float64"
	case feast.Int32:
		return "int32"
	case feast.Int64:
		return "int64"
	case feast.UnixTimestamp:
		return "timestamp"
	case feast.Bytes:
		return "bytes"
	case feast.Bool:
		return "bool"
	case feast.String:
		return "string"
	}
	return "other"
}

// discoverFeast fills c.Views from the Feast repo named in c.Feast (an
// absolute path once Load resolved it against the config's directory): it
// reads feature_store.yaml and the file registry and adds every view of the
// repo's project that writes to Redis with the feast layout. A view the
// config lists under the same name (and the same or no project) is merged
// into the discovered one: its ttl, interval, sample_size, offline settings
// and checks win, and when it lists features only those are monitored (a
// listed feature without a type takes Feast's). Defaults are applied later
// by finish, to discovered and listed views alike. When the config names no
// Redis address (the default 127.0.0.1:6379 and no url), the repo's
// connection_string fills c.Online.Redis. Errors name feature_store.yaml or
// the registry file.
func discoverFeast(c *Config, reg *Registries) []error {
	if reg == nil {
		reg = &Registries{}
	}
	repoDir := c.Feast.Repo
	if !filepath.IsAbs(repoDir) && c.File != "" {
		repoDir = filepath.Join(filepath.Dir(c.File), repoDir)
	}
	repo, err := feast.LoadRepo(repoDir)
	if err != nil {
		return []error{&RegistryError{Err: err}}
	}
	c.Feast.Project, c.Feast.Registry = repo.Project, repo.RegistryPath
	fviews, err := readViews(c, repo, reg)
	if err != nil {
		return []error{&RegistryError{Project: repo.Project, Err: err}}
	}
	if len(fviews) == 0 {
		return []error{&RegistryError{Project: repo.Project, Err: fmt.Errorf("Feast registry %s: no feature views of project %q write to the online store", repo.RegistryPath, repo.Project)}}
	}

	var errs []error
	discovered := make([]View, 0, len(fviews))
	for _, fv := range fviews {
		discovered = append(discovered, discoveredView(c, repo, fv))
	}

	// Merge listed views into discovered ones; keep the config's order, then
	// the remaining discovered views in registry name order.
	used := make([]bool, len(discovered))
	views := make([]View, 0, len(c.Views)+len(discovered))
	for _, cv := range c.Views {
		i := -1
		if cv.Online.Layout == "" || cv.Online.Layout == LayoutFeast {
			for j, dv := range discovered {
				if !used[j] && dv.Name == cv.Name && (cv.Project == "" || cv.Project == dv.Project) {
					i = j
					break
				}
			}
		}
		if i < 0 {
			views = append(views, cv)
			continue
		}
		used[i] = true
		if len(cv.Entities) > 0 && strings.Join(cv.Entities, ",") != strings.Join(discovered[i].Entities, ",") {
			// The registry decides the join keys (they make the Redis key).
			errs = append(errs, &Error{File: c.File, Line: cv.Line, Column: cv.Column, Msg: fmt.Sprintf(
				"feature view %q: entities %v differ from the join keys %v in the Feast registry %s; omit entities for Feast views",
				cv.Name, cv.Entities, discovered[i].Entities, repo.RegistryPath)})
		}
		views = append(views, mergeView(discovered[i], cv))
	}
	for j, dv := range discovered {
		if !used[j] {
			views = append(views, dv)
		}
	}
	c.Views = views

	r := &c.Online.Redis
	if r.URL == "" && r.Addr == DefaultRedisAddr && len(repo.Redis.Addrs) > 0 {
		if repo.Redis.Type == "redis_sentinel" {
			errs = append(errs, fmt.Errorf("%s: redis_type redis_sentinel is not supported; set online.redis.addr to the master", repo.File))
		} else {
			r.Addr = repo.Redis.Addrs[0]
			r.DB = repo.Redis.DB
			r.TLS = repo.Redis.SSL
			r.Cluster = repo.Redis.Type == "redis_cluster"
			if r.Username == "" {
				r.Username = repo.Redis.Username
			}
			r.RepoPassword = repo.Redis.Password
		}
	}
	return errs
}

// ReadRegistry returns the bytes (a serialized feast.core.Registry) of the
// registry of repo: a local file, an object on s3:// or gs:// (reached with
// the offline store's settings p), or a SQL registry. reg remembers the
// last read of object and SQL registries (nil: none).
func ReadRegistry(repo *feast.Repo, p Parquet, reg *Registries) ([]byte, error) {
	if reg == nil {
		reg = &Registries{}
	}
	switch repo.RegistryType {
	case "file":
	case "sql":
		return reg.readSQL(repo)
	default:
		return nil, fmt.Errorf("%s: registry_type %q: fsmon reads file registries (local, s3://, gs://) and sql ones", repo.File, repo.RegistryType)
	}
	switch scheme, _, _ := strings.Cut(repo.RegistryPath, "://"); {
	case !strings.Contains(repo.RegistryPath, "://"):
		data, err := os.ReadFile(repo.RegistryPath)
		if err != nil {
			return nil, fmt.Errorf("read Feast registry: %w", err)
		}
		return data, nil
	case scheme == "s3" || scheme == "gs":
		return reg.read(repo.RegistryPath, p)
	default:
		return nil, fmt.Errorf("%s: registry on %s://: fsmon reads registries from local files, s3://, gs:// and SQL databases (registry_type: sql)", repo.File, scheme)
	}
}

// readViews reads the views of the repo's registry: a local file, an
// object on s3:// or gs://, or a SQL registry.
func readViews(c *Config, repo *feast.Repo, reg *Registries) ([]feast.View, error) {
	if repo.RegistryType == "file" && !strings.Contains(repo.RegistryPath, "://") {
		return feast.ReadRegistry(repo.RegistryPath, repo.Project, repo.Versioning)
	}
	data, err := ReadRegistry(repo, c.Offline.Parquet, reg)
	if err != nil {
		return nil, err
	}
	return feast.ParseRegistry(data, repo.RegistryPath, repo.Project, repo.Versioning)
}

// discoveredView turns a registry view into a config view.
func discoveredView(c *Config, repo *feast.Repo, fv feast.View) View {
	v := View{
		Name:     fv.Name,
		Project:  fv.Project,
		Entities: fv.JoinKeys,
		TTL:      fv.TTL,
		Online:   ViewOnline{Layout: LayoutFeast},
		Source:   "feast",
		Feast: &FeastView{
			StoredName:       fv.StoredName,
			KeyVersion:       repo.KeyVersion,
			LastMaterialized: fv.LastMaterialized,
			FeatureTypes:     map[string]string{},
		},
	}
	for _, t := range fv.JoinKeyTypes {
		v.Feast.JoinKeyTypes = append(v.Feast.JoinKeyTypes, t.String())
	}
	reg := Position{File: "Feast registry " + repo.RegistryPath}
	v.Pos = ViewPositions{View: reg, Key: reg, TimestampField: reg, Path: reg, TimestampColumn: reg}
	for _, f := range fv.Features {
		v.Features = append(v.Features, Feature{Name: f.Name, Type: featureType(f.Type), Pos: reg})
		v.Feast.FeatureTypes[f.Name] = f.Type.String()
	}
	switch {
	case fv.Source == nil:
		v.OfflineMissing = fv.NoOfflineReason
	case repo.OfflineType != "file" && repo.OfflineType != "dask":
		v.OfflineMissing = fmt.Sprintf("offline_store type %q is not file", repo.OfflineType)
	case IsURL(fv.Source.Path):
		// On S3 or GCS: the source's URL is the view's own location.
		v.Offline = &ViewOffline{Path: fv.Source.Path, TimestampColumn: fv.Source.TimestampField, S3Endpoint: fv.Source.S3Endpoint}
	default:
		p := fv.Source.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(repo.Dir, p)
		}
		// View offline paths are relative to offline.parquet.root.
		if root := c.Offline.Parquet.Root; root != "" && !IsURL(root) {
			if rel, err := filepath.Rel(root, p); err == nil {
				p = rel
			}
		}
		v.Offline = &ViewOffline{Path: p, TimestampColumn: fv.Source.TimestampField}
	}
	return v
}

// mergeView applies what the config lists for a discovered view.
func mergeView(dv, cv View) View {
	v := dv
	v.Line, v.Column = cv.Line, cv.Column // lets finish find the listed checks
	v.Pos.View = cv.Pos.View
	if len(cv.Pos.Entities) == len(v.Entities) {
		v.Pos.Entities = cv.Pos.Entities
	}
	for _, p := range []struct{ to, from *Position }{{&v.Pos.Path, &cv.Pos.Path}, {&v.Pos.TimestampColumn, &cv.Pos.TimestampColumn}} {
		if p.from.Line > 0 {
			*p.to = *p.from
		}
	}
	if cv.TTL != 0 {
		v.TTL = cv.TTL
	}
	if cv.Interval != 0 {
		v.Interval = cv.Interval
	}
	if cv.SampleSize != 0 {
		v.SampleSize = cv.SampleSize
	}
	if cv.Offline != nil {
		off := ViewOffline{}
		if dv.Offline != nil {
			off = *dv.Offline
		}
		if cv.Offline.Path != "" {
			off.Path = cv.Offline.Path
		}
		if cv.Offline.TimestampColumn != "" {
			off.TimestampColumn = cv.Offline.TimestampColumn
		}
		if cv.Offline.Window != 0 {
			off.Window = cv.Offline.Window
		}
		v.Offline = &off
		v.OfflineMissing = ""
	}
	if cv.Reference != nil {
		v.Reference = cv.Reference
	}
	if len(cv.Features) > 0 {
		known := map[string]string{}
		for _, f := range dv.Features {
			known[f.Name] = f.Type
		}
		v.Features = nil
		for _, f := range cv.Features {
			t, ok := known[f.Name]
			if !ok {
				names := make([]string, 0, len(dv.Features))
				for _, k := range dv.Features {
					names = append(names, k.Name)
				}
				f.Unknown = fmt.Sprintf("feature %q is not in the Feast registry's schema of view %s (it has: %s)", f.Name, dv.Name, strings.Join(names, ", "))
				if f.Type == "" {
					f.Type = "other"
				}
			} else if f.Type == "" {
				f.Type = t
			}
			v.Features = append(v.Features, f)
		}
	}
	return v
}
