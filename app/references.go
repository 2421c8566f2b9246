package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/reference"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/stats"
)

// referenceSpec translates a config reference of view v, for features fs,
// into what package reference reads. A saved dataset is looked up in the
// Feast registry here (its storage path and column names).
func referenceSpec(v config.View, r *config.Reference, fs []config.Feature, root string, feastRepo string, p config.Parquet, reg *config.Registries) (reference.Spec, error) {
	spec := reference.Spec{Kind: r.Kind(), SampleSize: r.SampleSize, Reservoir: r.Reservoir, Label: r.Label, Source: r.Source()}
	cols := make([]sample.Feature, len(fs))
	for i, f := range fs {
		cols[i] = sample.Feature{Name: f.Name, Type: sample.Type(f.Type)}
	}
	abs := func(p string) (string, string) {
		if filepath.IsAbs(p) {
			return "", p
		}
		return root, p
	}
	switch spec.Kind {
	case config.ReferenceProfile:
		spec.File = r.Profile
	case config.ReferenceRange:
		if v.Offline == nil {
			return spec, fmt.Errorf("view %s has no offline store for the reference range", v.Name)
		}
		spec.Parquet.Root, spec.Parquet.Path = abs(v.Offline.Path)
		spec.Parquet.TimestampColumn = v.Offline.TimestampColumn
		spec.Window = sample.Window{From: r.From, To: r.To}
	case config.ReferencePath:
		spec.Parquet.Root, spec.Parquet.Path = abs(r.Path)
		spec.Parquet.TimestampColumn = r.TimestampColumn
	case config.ReferenceSavedDataset:
		if feastRepo == "" {
			return spec, fmt.Errorf("saved dataset %q: no feast.repo configured", r.SavedDataset)
		}
		repo, err := feast.LoadRepo(feastRepo)
		if err != nil {
			return spec, fmt.Errorf("saved dataset %q: %w", r.SavedDataset, err)
		}
		data, err := config.ReadRegistry(repo, p, reg)
		if err != nil {
			return spec, fmt.Errorf("saved dataset %q: %w", r.SavedDataset, err)
		}
		ds, err := feast.FindSavedDataset(data, repo.RegistryPath, v.Project, r.SavedDataset, repo.Dir)
		if err != nil {
			return spec, err
		}
		if ds.Path == "" {
			return spec, fmt.Errorf("saved dataset %q is stored in %s, not in files fsmon can read", r.SavedDataset, ds.Storage)
		}
		spec.Parquet.Path = ds.Path
		spec.Parquet.TimestampColumn = r.TimestampColumn
		spec.Rename = map[string]string{}
		for i, f := range fs {
			c := ds.Column(v.Name, f.Name)
			cols[i].Name = c
			spec.Rename[c] = f.Name
		}
	default:
		return spec, fmt.Errorf("unknown reference kind %q", spec.Kind)
	}
	spec.Parquet.Features = cols
	return spec, nil
}

// References loads (from the cache when unchanged) the pinned references of
// v's features, for checks.Input.References. A reference that cannot be
// read is an error on the results of its features only.
func (s *Stores) References(ctx context.Context, v config.View) map[string]*checks.Ref {
	if !v.HasReference() {
		return nil
	}
	groups := map[*config.Reference][]config.Feature{}
	var order []*config.Reference
	for _, f := range v.Features {
		r := v.ReferenceOf(f)
		if r == nil {
			continue
		}
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], f)
	}
	out := map[string]*checks.Ref{}
	for _, r := range order {
		fs := groups[r]
		info := checks.ReferenceInfo{Kind: r.Kind(), Label: r.Name(), Source: r.Source()}
		spec, err := referenceSpec(v, r, fs, s.root, s.feastRepo, s.parquet, s.registries)
		spec.Parquet.MaxReadBytes = s.maxRead
		if err == nil {
			p, gerr := s.refs.Get(ctx, spec)
			err = gerr
			if err == nil {
				info.Version = p.Version
				if r.Label == "" && p.Label != "" {
					info.Label = p.Label
				}
				for _, f := range fs {
					out[f.Name] = &checks.Ref{Profile: p.Features[f.Name], Info: info}
				}
				continue
			}
		}
		for _, f := range fs {
			out[f.Name] = &checks.Ref{Info: info, Err: err}
		}
	}
	return out
}

// ProfileOptions say what `fsmon profile` profiles.
type ProfileOptions struct {
	// View names the feature view whose features are profiled.
	View string
	// Reference is the source (range, path or saved dataset); nil means
	// the view's configured reference.
	Reference *config.Reference
	// Label and Version are written into the profile (Version defaults to
	// a hash of the source's fingerprint).
	Label, Version string
	// Now stamps the profile; time.Now when nil.
	Now func() time.Time
}

// BuildProfile reads a raw reference of a view and profiles every feature
// of the view, for `fsmon profile`.
func BuildProfile(ctx context.Context, cfg *config.Config, opts ProfileOptions) (*stats.Profile, error) {
	var v *config.View
	for i := range cfg.Views {
		if cfg.Views[i].Name == opts.View {
			v = &cfg.Views[i]
		}
	}
	if v == nil {
		return nil, fmt.Errorf("no feature view named %q in the config", opts.View)
	}
	r := opts.Reference
	if r == nil {
		r = v.Reference
	}
	if r == nil {
		return nil, fmt.Errorf("view %s: no reference to profile (give --from/--to, --path or --saved-dataset, or set the view's reference)", v.Name)
	}
	if r.Kind() == config.ReferenceProfile {
		return nil, fmt.Errorf("view %s: the reference is already a profile (%s)", v.Name, r.Profile)
	}
	spec, err := referenceSpec(*v, r, v.Features, cfg.Offline.Parquet.Root, feastRepoOf(cfg), cfg.Offline.Parquet, nil)
	if err != nil {
		return nil, fmt.Errorf("view %s: %w", v.Name, err)
	}
	spec.Parquet.MaxReadBytes = cfg.Offline.Parquet.MaxReadBytes
	fp, err := reference.Fingerprint(ctx, spec)
	if err != nil {
		return nil, err
	}
	p, err := reference.Build(ctx, spec)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	p.Fingerprint, p.CreatedAt = fp, now().UTC().Format(time.RFC3339)
	p.Label, p.Version = opts.Label, opts.Version
	if p.Label == "" {
		p.Label = r.Name()
	}
	if p.Version == "" {
		p.Version = fp[:min(12, len(fp))]
	}
	return p, nil
}

func feastRepoOf(cfg *config.Config) string {
	if cfg.Feast == nil {
		return ""
	}
	return cfg.Feast.Repo
}

// ReferenceCacheDir is where built reference profiles are kept across
// runs: .fsmon-references in the directory of alerts.state_file, else of
// the config file ("" when the config has neither: memory only).
func ReferenceCacheDir(cfg *config.Config) string {
	switch {
	case cfg.Alerts.StateFile != "":
		return filepath.Join(filepath.Dir(cfg.Alerts.StateFile), ".fsmon-references")
	case cfg.File != "":
		return filepath.Join(filepath.Dir(cfg.File), ".fsmon-references")
	}
	return ""
}

// newReferenceCache is the reference cache of cfg, kept in
// ReferenceCacheDir so that the next `fsmon check` or a restarted daemon
// reads no reference data while the sources are unchanged.
func newReferenceCache(cfg *config.Config, log *slog.Logger) *reference.Cache {
	c := reference.NewCache()
	c.Dir, c.Log = ReferenceCacheDir(cfg), log
	return c
}
