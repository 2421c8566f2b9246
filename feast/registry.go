package feast

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/fsmon/fsmon/feast/feastpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// The kinds of views that write to the online store.
const (
	KindFeatureView         = "feature_view"
	KindStreamFeatureView   = "stream_feature_view"
	KindOnDemandFeatureView = "on_demand_feature_view"
)

// DummyJoinKey is the join key Feast uses for entityless feature views
// (its value is the empty string).
const DummyJoinKey = "__dummy_id"

// FeatureSpec is one feature of a view.
type FeatureSpec struct {
	Name string
	Type ValueType
}

// FileSource is a view's batch source when it is a file (Parquet) source.
type FileSource struct {
	// Path is the source's uri as written in the registry (relative paths
	// are relative to the feature repo).
	Path           string
	TimestampField string
	// S3Endpoint is the source's s3_endpoint_override ("" when unset).
	S3Endpoint string
}

// View is a feature view of the registry that writes to the online store.
type View struct {
	Name string
	// StoredName is the name in Redis: Name, or Name_vN with online
	// versioning (section 3.3).
	StoredName string
	Project    string
	// Kind is KindFeatureView, KindStreamFeatureView or KindOnDemandFeatureView.
	Kind         string
	JoinKeys     []string
	JoinKeyTypes []ValueType
	Features     []FeatureSpec
	TTL          time.Duration // 0 = none
	// Source is the file batch source; nil when the view has none, and
	// NoOfflineReason then says why.
	Source          *FileSource
	NoOfflineReason string
	// LastMaterialized is the greatest end of the view's materialization
	// intervals (zero when never materialized).
	LastMaterialized time.Time
}

// ReadRegistry reads a Feast file registry (the serialized
// feast.core.Registry) and returns the views of project that write to the
// online store, sorted by name: feature views and stream feature views with
// online set, and on-demand feature views with write_to_online_store.
// Disabled views are left out. versioning is
// registry.enable_online_feature_view_versioning. Errors name path.
func ReadRegistry(path string, project string, versioning bool) ([]View, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read Feast registry: %w", err)
	}
	views, err := parseRegistry(data, project, versioning)
	if err != nil {
		return nil, fmt.Errorf("Feast registry %s: %w", path, err)
	}
	return views, nil
}

// ParseRegistry is ReadRegistry on the bytes of a registry read from
// elsewhere (object storage); name names it in errors.
func ParseRegistry(data []byte, name, project string, versioning bool) ([]View, error) {
	views, err := parseRegistry(data, project, versioning)
	if err != nil {
		return nil, fmt.Errorf("Feast registry %s: %w", name, err)
	}
	return views, nil
}

type entityInfo struct {
	joinKey string
	typ     ValueType
}

func parseRegistry(data []byte, project string, versioning bool) ([]View, error) {
	var reg feastpb.Registry
	if err := proto.Unmarshal(data, &reg); err != nil {
		return nil, fmt.Errorf("not a Feast registry: %w", err)
	}
	entities := map[string]entityInfo{}
	for _, e := range reg.GetEntities() {
		s := e.GetSpec()
		if s.GetProject() != project {
			continue
		}
		jk := s.GetJoinKey()
		if jk == "" {
			jk = s.GetName()
		}
		entities[s.GetName()] = entityInfo{jk, ValueType(s.GetValueType())}
	}

	var views []View
	add := func(v View, entityNames []string, cols []*feastpb.FeatureSpec) error {
		if err := fillJoinKeys(&v, entityNames, cols, entities); err != nil {
			return err
		}
		if err := checkFieldCollisions(&v); err != nil {
			return err
		}
		views = append(views, v)
		return nil
	}
	for _, fv := range reg.GetFeatureViews() {
		s := fv.GetSpec()
		if s.GetProject() != project || !s.GetOnline() || s.GetDisabled() {
			continue
		}
		v := View{Name: s.GetName(), Project: project, Kind: KindFeatureView, TTL: s.GetTtl().AsDuration()}
		v.StoredName = StoredName(v.Name, versioning, int(fv.GetMeta().GetCurrentVersionNumber()))
		v.Features = features(s.GetFeatures())
		v.LastMaterialized = lastMaterialized(fv.GetMeta())
		v.Source, v.NoOfflineReason = fileSource(s.GetBatchSource())
		if err := add(v, s.GetEntities(), s.GetEntityColumns()); err != nil {
			return nil, err
		}
	}
	for _, fv := range reg.GetStreamFeatureViews() {
		s := fv.GetSpec()
		if s.GetProject() != project || !s.GetOnline() || s.GetDisabled() {
			continue
		}
		v := View{Name: s.GetName(), Project: project, Kind: KindStreamFeatureView, TTL: s.GetTtl().AsDuration()}
		v.StoredName = StoredName(v.Name, versioning, int(fv.GetMeta().GetCurrentVersionNumber()))
		v.Features = features(s.GetFeatures())
		v.LastMaterialized = lastMaterialized(fv.GetMeta())
		v.Source, v.NoOfflineReason = fileSource(s.GetBatchSource())
		if err := add(v, s.GetEntities(), s.GetEntityColumns()); err != nil {
			return nil, err
		}
	}
	for _, fv := range reg.GetOnDemandFeatureViews() {
		s := fv.GetSpec()
		if s.GetProject() != project || !s.GetWriteToOnlineStore() || s.GetDisabled() {
			continue
		}
		v := View{Name: s.GetName(), Project: project, Kind: KindOnDemandFeatureView}
		v.StoredName = StoredName(v.Name, versioning, int(fv.GetMeta().GetCurrentVersionNumber()))
		v.Features = features(s.GetFeatures())
		v.NoOfflineReason = "on-demand feature view: computed on write, no batch source"
		if err := add(v, s.GetEntities(), s.GetEntityColumns()); err != nil {
			return nil, err
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
	for i := 1; i < len(views); i++ {
		if views[i].Name == views[i-1].Name {
			return nil, fmt.Errorf("project %q has two online views named %q (%s and %s)", project, views[i].Name, views[i-1].Kind, views[i].Kind)
		}
	}
	return views, nil
}

func features(specs []*feastpb.FeatureSpec) []FeatureSpec {
	out := make([]FeatureSpec, 0, len(specs))
	for _, f := range specs {
		out = append(out, FeatureSpec{Name: f.GetName(), Type: ValueType(f.GetValueType())})
	}
	return out
}

// fillJoinKeys sets the join keys from the entity columns, else from the
// entities (old registries), else the entityless placeholder.
func fillJoinKeys(v *View, entityNames []string, cols []*feastpb.FeatureSpec, entities map[string]entityInfo) error {
	for _, c := range cols {
		v.JoinKeys = append(v.JoinKeys, c.GetName())
		v.JoinKeyTypes = append(v.JoinKeyTypes, ValueType(c.GetValueType()))
	}
	if len(v.JoinKeys) == 0 {
		for _, name := range entityNames {
			e, ok := entities[name]
			if !ok {
				if name == "__dummy" {
					continue
				}
				return fmt.Errorf("view %q: entity %q is not in the registry", v.Name, name)
			}
			v.JoinKeys = append(v.JoinKeys, e.joinKey)
			v.JoinKeyTypes = append(v.JoinKeyTypes, e.typ)
		}
	}
	if len(v.JoinKeys) == 0 {
		v.JoinKeys, v.JoinKeyTypes = []string{DummyJoinKey}, []ValueType{String}
	}
	for i, t := range v.JoinKeyTypes {
		if !t.IsEntityType() {
			return fmt.Errorf("view %q: join key %q has type %s, which Feast cannot put in a Redis key", v.Name, v.JoinKeys[i], t)
		}
	}
	if _, err := sortedOrder(v.JoinKeys); err != nil {
		return fmt.Errorf("view %q: %w", v.Name, err)
	}
	return nil
}

// checkFieldCollisions rejects a view two of whose features hash to the
// same field (pitfall 4): fsmon could not tell their values apart.
func checkFieldCollisions(v *View) error {
	seen := map[string]string{}
	for _, f := range v.Features {
		h := FieldName(v.StoredName, f.Name)
		if other, dup := seen[h]; dup {
			if other == f.Name {
				return fmt.Errorf("view %q: feature %q listed twice", v.Name, f.Name)
			}
			return fmt.Errorf("view %q: features %q and %q have the same Redis field hash", v.Name, other, f.Name)
		}
		seen[h] = f.Name
	}
	return nil
}

func lastMaterialized(m *feastpb.FeatureViewMeta) time.Time {
	var last time.Time
	for _, iv := range m.GetMaterializationIntervals() {
		if iv.GetEndTime() == nil {
			continue
		}
		if t := iv.GetEndTime().AsTime(); t.After(last) {
			last = t
		}
	}
	return last
}

// DataSource types (feast.core.DataSource.SourceType).
const (
	sourceBatchFile  = 1
	sourcePushSource = 9
)

// fileSource returns the view's file source, or why there is none.
func fileSource(ds *feastpb.DataSource) (*FileSource, string) {
	if ds == nil {
		return nil, "no batch source in the registry"
	}
	if ds.GetType() == sourcePushSource || (ds.GetFileOptions() == nil && ds.GetBatchSource() != nil) {
		return fileSource(ds.GetBatchSource())
	}
	fo := ds.GetFileOptions()
	if fo == nil {
		return nil, fmt.Sprintf("batch source %q is not a file source", ds.GetName())
	}
	uri := strings.TrimPrefix(fo.GetUri(), "file://")
	if uri == "" {
		return nil, fmt.Sprintf("file source %q has no path", ds.GetName())
	}
	if scheme, _, ok := strings.Cut(uri, "://"); ok && scheme != "s3" && scheme != "gs" {
		return nil, fmt.Sprintf("file source %q is on %s://, not a local path, S3 or GCS", ds.GetName(), scheme)
	}
	if ds.GetTimestampField() == "" {
		return nil, fmt.Sprintf("file source %q has no timestamp_field", ds.GetName())
	}
	return &FileSource{Path: uri, TimestampField: ds.GetTimestampField(), S3Endpoint: s3EndpointOverride(fo)}, ""
}

// s3EndpointOverride reads FileOptions.s3_endpoint_override (field 3 of
// Feast's DataSource.FileOptions), which fsmon's trimmed copy of the proto
// leaves among the unknown fields.
func s3EndpointOverride(fo *feastpb.DataSource_FileOptions) string {
	b := fo.ProtoReflect().GetUnknown()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		if num == 3 && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return ""
			}
			return string(v)
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return ""
		}
		b = b[m:]
	}
	return ""
}
