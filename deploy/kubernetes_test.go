package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/config"
)

// k8sObject is the part of the manifest's objects the test reads.
type k8sObject struct {
	Kind string            `yaml:"kind"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Template struct {
			Spec struct {
				Containers []struct {
					Name            string `yaml:"name"`
					SecurityContext struct {
						ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
					} `yaml:"securityContext"`
					VolumeMounts []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
						ReadOnly  bool   `yaml:"readOnly"`
					} `yaml:"volumeMounts"`
				} `yaml:"containers"`
				Volumes []map[string]any `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// Under the shipped manifest the alert state file is writable: it lies on
// a volume mounted read-write (emptyDir or a claim), not on the read-only
// config mount or root filesystem.
func TestKubernetesAlertStateIsWritable(t *testing.T) {
	b, err := os.ReadFile("kubernetes/fsmon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm, dep *k8sObject
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch o.Kind {
		case "ConfigMap":
			cm = &o
		case "Deployment":
			dep = &o
		}
	}
	if cm == nil || dep == nil {
		t.Fatal("manifest lacks the ConfigMap or the Deployment")
	}
	// The config in the ConfigMap is valid and names the state file.
	dir := t.TempDir()
	p := filepath.Join(dir, "fsmon.yaml")
	if err := os.WriteFile(p, []byte(cm.Data["fsmon.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatalf("the ConfigMap's config: %v", err)
	}
	state := alerts.StatePath(cfg)
	if !filepath.IsAbs(state) || strings.HasPrefix(state, dir) {
		t.Fatalf("alerts.state_file %q: want an absolute path outside the config mount", state)
	}
	volumes := map[string]map[string]any{}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		volumes[v["name"].(string)] = v
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the container should keep a read-only root filesystem")
	}
	var found bool
	for _, m := range c.VolumeMounts {
		v := volumes[m.Name]
		switch {
		case m.MountPath == "/etc/fsmon":
			if !m.ReadOnly || v["configMap"] == nil {
				t.Errorf("config mount %+v should be the read-only ConfigMap", m)
			}
		case filepath.Dir(state) == m.MountPath:
			found = true
			_, empty := v["emptyDir"]
			_, claim := v["persistentVolumeClaim"]
			if m.ReadOnly || !(empty || claim) {
				t.Errorf("state mount %+v on volume %v: want a read-write emptyDir or claim", m, v)
			}
		}
	}
	if !found {
		t.Errorf("no volume is mounted at %s, the directory of alerts.state_file", filepath.Dir(state))
	}
}

// The sharded example: a StatefulSet whose --shard takes the pod ordinal
// with the same n as its replicas, a valid config, and a PodMonitor that
// selects its pods.
func TestKubernetesShardedStatefulSet(t *testing.T) {
	b, err := os.ReadFile("kubernetes/fsmon-sharded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type obj struct {
		Kind string            `yaml:"kind"`
		Data map[string]string `yaml:"data"`
		Spec struct {
			Replicas int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec struct {
					Containers []struct {
						Args []string `yaml:"args"`
						Env  []struct {
							Name      string `yaml:"name"`
							ValueFrom struct {
								FieldRef struct {
									FieldPath string `yaml:"fieldPath"`
								} `yaml:"fieldRef"`
							} `yaml:"valueFrom"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	byKind := map[string]obj{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o obj
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		byKind[o.Kind] = o
	}
	sts, pm, cm := byKind["StatefulSet"], byKind["PodMonitor"], byKind["ConfigMap"]
	if sts.Spec.Replicas == 0 || pm.Kind == "" || cm.Kind == "" {
		t.Fatalf("want a StatefulSet, a PodMonitor and a ConfigMap: %v", byKind)
	}
	c := sts.Spec.Template.Spec.Containers[0]
	want := "--shard=$(POD_INDEX)/" + strconv.Itoa(sts.Spec.Replicas)
	if !slices.Contains(c.Args, want) {
		t.Errorf("args %v lack %s", c.Args, want)
	}
	if len(c.Env) == 0 || c.Env[0].Name != "POD_INDEX" || c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.labels['apps.kubernetes.io/pod-index']" {
		t.Errorf("POD_INDEX does not come from the pod-index label: %+v", c.Env)
	}
	for k, v := range pm.Spec.Selector.MatchLabels {
		if sts.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("the PodMonitor selects %s=%s, which the pods lack", k, v)
		}
	}
	p := filepath.Join(t.TempDir(), "fsmon.yaml")
	text := strings.Replace(cm.Data["fsmon.yaml"], "/srv/feature_repo", "/nonexistent-feature-repo", 1)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// The repo is not here: the only error may be about the Feast repo.
	if _, err := config.Load(p); err != nil && !strings.Contains(err.Error(), "feature_repo") && !strings.Contains(err.Error(), "feast") {
		t.Errorf("the ConfigMap's config: %v", err)
	}
}
