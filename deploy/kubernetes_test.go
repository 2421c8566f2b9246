package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
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
