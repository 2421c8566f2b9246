package feasttest

import (
	"fmt"
	"os"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feastpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// RegistryView is a view to put in a test registry. Kind defaults to a
// feature view; Source (if set) becomes a file batch source;
// LastMaterialized (if set) the end of one materialization interval;
// Version the current_version_number. Views are written as online.
type RegistryView struct {
	feast.View
	Version int32
}

// WriteRegistry writes a Feast file registry (serialized
// feast.core.Registry, fields as fsmon reads them) holding views.
func WriteRegistry(path string, views ...RegistryView) error {
	reg, err := registryProto(views)
	if err != nil {
		return err
	}
	b, err := proto.Marshal(reg)
	if err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write registry: %w", err)
	}
	return nil
}

// registryProto builds the registry of views.
func registryProto(views []RegistryView) (*feastpb.Registry, error) {
	reg := &feastpb.Registry{RegistrySchemaVersion: "1"}
	projects := map[string]bool{}
	for _, v := range views {
		if !projects[v.Project] {
			projects[v.Project] = true
			reg.Projects = append(reg.Projects, &feastpb.Project{Spec: &feastpb.ProjectSpec{Name: v.Project}})
		}
		var feats, cols []*feastpb.FeatureSpec
		for _, f := range v.Features {
			feats = append(feats, &feastpb.FeatureSpec{Name: f.Name, ValueType: int32(f.Type)})
		}
		for i, k := range v.JoinKeys {
			t := feast.String
			if i < len(v.JoinKeyTypes) {
				t = v.JoinKeyTypes[i]
			}
			cols = append(cols, &feastpb.FeatureSpec{Name: k, ValueType: int32(t)})
		}
		var src *feastpb.DataSource
		if v.Source != nil {
			src = &feastpb.DataSource{Type: 1, Name: v.Name + "_source", TimestampField: v.Source.TimestampField,
				FileOptions: &feastpb.DataSource_FileOptions{Uri: v.Source.Path}}
			if e := v.Source.S3Endpoint; e != "" {
				// s3_endpoint_override, field 3 of Feast's FileOptions.
				fo := src.FileOptions.ProtoReflect()
				fo.SetUnknown(protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), e))
			}
		}
		var ttl *durationpb.Duration
		if v.TTL > 0 {
			ttl = durationpb.New(v.TTL)
		}
		meta := &feastpb.FeatureViewMeta{CurrentVersionNumber: v.Version}
		if !v.LastMaterialized.IsZero() {
			meta.MaterializationIntervals = []*feastpb.MaterializationInterval{{
				StartTime: timestamppb.New(v.LastMaterialized.Add(-time.Hour)),
				EndTime:   timestamppb.New(v.LastMaterialized),
			}}
		}
		switch v.Kind {
		case "", feast.KindFeatureView:
			reg.FeatureViews = append(reg.FeatureViews, &feastpb.FeatureView{Spec: &feastpb.FeatureViewSpec{
				Name: v.Name, Project: v.Project, Features: feats, EntityColumns: cols, Ttl: ttl, BatchSource: src, Online: true,
			}, Meta: meta})
		case feast.KindStreamFeatureView:
			reg.StreamFeatureViews = append(reg.StreamFeatureViews, &feastpb.StreamFeatureView{Spec: &feastpb.StreamFeatureViewSpec{
				Name: v.Name, Project: v.Project, Features: feats, EntityColumns: cols, Ttl: ttl, BatchSource: src, Online: true,
			}, Meta: meta})
		case feast.KindOnDemandFeatureView:
			reg.OnDemandFeatureViews = append(reg.OnDemandFeatureViews, &feastpb.OnDemandFeatureView{Spec: &feastpb.OnDemandFeatureViewSpec{
				Name: v.Name, Project: v.Project, Features: feats, EntityColumns: cols, WriteToOnlineStore: true,
			}, Meta: &feastpb.OnDemandFeatureViewMeta{CurrentVersionNumber: v.Version}})
		default:
			return nil, fmt.Errorf("write registry: view %q: unknown kind %q", v.Name, v.Kind)
		}
	}
	return reg, nil
}
