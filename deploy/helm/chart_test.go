// Package helm_test renders the fsmon Helm chart with helm and checks what
// it renders with fsmon itself and with promtool: the config a pod would
// read validates, the PrometheusRule is the rules `fsmon rules export` makes
// from that config and promtool accepts them, the dashboards are the
// shipped ones, and the pod runs as the image expects (non-root, read-only
// root filesystem, a writable state volume).
//
// Without helm or promtool on the PATH the tests skip; under CI=true they
// fail (.ci/run builds helm).
package helm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const chart = "fsmon"

func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found under CI=true: %v", tool, err)
		}
		t.Skipf("%s not installed; skipping", tool)
	}
	return p
}

// fsmonBinary builds cmd/fsmon once per test binary run.
func fsmonBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "fsmon")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/fsmon")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/fsmon: %v\n%s", err, out)
	}
	return bin
}

var binDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "fsmon-helm-test")
	if err != nil {
		panic(err)
	}
	binDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

type object = map[string]any

// render runs helm template and returns the objects by "Kind/name".
func render(t *testing.T, helm string, args ...string) map[string]object {
	t.Helper()
	out := run(t, helm, append([]string{"template", "fsmon", chart, "--namespace", "monitoring"}, args...)...)
	objs := map[string]object{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("helm template output: %v", err)
		}
		if o == nil {
			continue
		}
		objs[str(o, "kind")+"/"+str(o, "metadata", "name")] = o
	}
	return objs
}

// get walks maps by key and lists by index (an int).
func get(o any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := o.(map[string]any)
			if !ok {
				return nil
			}
			o = m[k]
		case int:
			l, ok := o.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			o = l[k]
		}
	}
	return o
}

func str(o any, path ...any) string {
	s, _ := get(o, path...).(string)
	return s
}

func mustGet(t *testing.T, objs map[string]object, key string) object {
	t.Helper()
	o, ok := objs[key]
	if !ok {
		var keys []string
		for k := range objs {
			keys = append(keys, k)
		}
		t.Fatalf("no %s rendered; got %v", key, keys)
	}
	return o
}

// podPaths lays out, under root, the directories the fsmon container
// mounts, and returns the config text with the mount paths moved under
// root, so fsmon validate sees the pod's file system: a state_file outside
// the writable state volume fails as it would in the pod.
func podPaths(t *testing.T, pod object, config, root string) string {
	t.Helper()
	c := get(pod, "spec", "containers", 0)
	mounts, _ := get(c, "volumeMounts").([]any)
	for _, m := range mounts {
		p := str(m, "mountPath")
		dir := filepath.Join(root, p)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if ro, _ := get(m, "readOnly").(bool); ro {
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
		}
		config = strings.ReplaceAll(config, p+"/", dir+"/")
		config = strings.ReplaceAll(config, p+"\n", dir+"\n")
	}
	return config
}

// checkConfigPaths checks that the config's alert state lies on a writable
// volume and every other *_file on a read-only mount (the secrets): as root
// the test cannot rely on file modes to catch a state file on a read-only
// mount.
func checkConfigPaths(t *testing.T, pod object, config string) {
	t.Helper()
	var cfg any
	if err := yaml.Unmarshal([]byte(config), &cfg); err != nil {
		t.Fatalf("rendered config: %v", err)
	}
	mounts, _ := get(pod, "spec", "containers", 0, "volumeMounts").([]any)
	mountOf := func(path string) any {
		var best any
		bestLen := -1
		for _, m := range mounts {
			p := strings.TrimSuffix(str(m, "mountPath"), "/")
			if strings.HasPrefix(path, p+"/") && len(p) > bestLen {
				best, bestLen = m, len(p)
			}
		}
		return best
	}
	state := str(cfg, "alerts", "state_file")
	if m := mountOf(state); m == nil || get(m, "readOnly") == true {
		t.Errorf("alerts.state_file %q is not on a writable volume (mount %v)", state, m)
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(prefix+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix, e)
			}
		case string:
			if strings.HasSuffix(prefix, "_file") && prefix != ".alerts.state_file" {
				if m := mountOf(x); m == nil || get(m, "readOnly") != true {
					t.Errorf("%s %q is not on a read-only mount (mount %v)", prefix[1:], x, m)
				}
			}
		}
	}
	walk("", cfg)
}

func checkPod(t *testing.T, pod object, wantState string) {
	t.Helper()
	if v := get(pod, "spec", "securityContext", "runAsNonRoot"); v != true {
		t.Errorf("pod runAsNonRoot = %v", v)
	}
	if v := get(pod, "spec", "securityContext", "runAsUser"); v != 65532 {
		t.Errorf("pod runAsUser = %v, want 65532 (the image's user)", v)
	}
	c := get(pod, "spec", "containers", 0)
	if v := get(c, "securityContext", "readOnlyRootFilesystem"); v != true {
		t.Errorf("readOnlyRootFilesystem = %v", v)
	}
	if v := get(c, "securityContext", "allowPrivilegeEscalation"); v != false {
		t.Errorf("allowPrivilegeEscalation = %v", v)
	}
	if p := str(c, "livenessProbe", "httpGet", "path"); p != "/-/healthy" {
		t.Errorf("liveness probe on %q", p)
	}
	if p := str(c, "readinessProbe", "httpGet", "path"); p != "/-/ready" {
		t.Errorf("readiness probe on %q", p)
	}
	var state any
	vols, _ := get(pod, "spec", "volumes").([]any)
	for _, v := range vols {
		if str(v, "name") == "state" {
			state = v
		}
	}
	switch wantState {
	case "emptyDir":
		if get(state, "emptyDir") == nil {
			t.Errorf("state volume %v, want an emptyDir", state)
		}
	case "pvc":
		if str(state, "persistentVolumeClaim", "claimName") == "" {
			t.Errorf("state volume %v, want a PersistentVolumeClaim", state)
		}
	}
}

func TestChart(t *testing.T) {
	helm := need(t, "helm")
	promtool := need(t, "promtool")
	fsmon := fsmonBinary(t)

	cases := []struct {
		values    string
		state     string
		rules     bool
		dashboard bool
		check     func(t *testing.T, objs map[string]object)
	}{
		{values: "minimal-values.yaml", state: "emptyDir"},
		{values: "slack-rules-dashboards-values.yaml", state: "pvc", rules: true, dashboard: true, check: func(t *testing.T, objs map[string]object) {
			sm := mustGet(t, objs, "ServiceMonitor/fsmon")
			if str(sm, "metadata", "labels", "release") != "kube-prometheus-stack" || str(sm, "spec", "endpoints", 0, "port") != "http-metrics" {
				t.Errorf("ServiceMonitor: %v", sm)
			}
			if str(sm, "spec", "jobLabel") != "app.kubernetes.io/name" || str(objs["Service/fsmon"], "metadata", "labels", "app.kubernetes.io/name") != "fsmon" {
				t.Error(`the shipped rules expect job="fsmon": ServiceMonitor jobLabel must name a Service label whose value is fsmon`)
			}
			mustGet(t, objs, "PersistentVolumeClaim/fsmon-state")
			pod := get(mustGet(t, objs, "Deployment/fsmon"), "spec", "template")
			vols, _ := get(pod, "spec", "volumes").([]any)
			secrets := map[string]bool{}
			for _, v := range vols {
				if s := str(v, "secret", "secretName"); s != "" {
					secrets[s] = true
				}
			}
			if !secrets["fsmon-redis"] || !secrets["fsmon-slack"] {
				t.Errorf("secrets mounted: %v, want fsmon-redis and fsmon-slack", secrets)
			}
		}},
		{values: "s3-irsa-values.yaml", state: "emptyDir", check: func(t *testing.T, objs map[string]object) {
			sa := mustGet(t, objs, "ServiceAccount/fsmon")
			if str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn") == "" {
				t.Errorf("service account without the IRSA role: %v", sa)
			}
			pod := get(mustGet(t, objs, "Deployment/fsmon"), "spec", "template")
			if str(pod, "spec", "serviceAccountName") != "fsmon" {
				t.Errorf("pod service account %q", str(pod, "spec", "serviceAccountName"))
			}
			for k := range objs {
				if strings.HasPrefix(k, "Secret/") {
					t.Errorf("the chart rendered %s: credentials must come from the role", k)
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.values, "-values.yaml"), func(t *testing.T) {
			dir := t.TempDir()
			values := filepath.Join(chart, "ci", c.values)
			args := []string{"-f", values}
			if c.rules {
				// The rules come from the rendered config, below.
				args = append(args, "--set", "prometheusRule.enabled=false")
			}
			run(t, helm, append([]string{"lint", "--strict", chart}, args...)...)

			objs := render(t, helm, args...)
			cm := mustGet(t, objs, "ConfigMap/fsmon-config")
			config := str(cm, "data", "fsmon.yaml")
			pod := get(mustGet(t, objs, "Deployment/fsmon"), "spec", "template").(object)
			checkPod(t, pod, c.state)
			if !strings.Contains(strings.Join(toStrings(get(pod, "spec", "containers", 0, "args")), " "), "--config=/etc/fsmon/config/fsmon.yaml") {
				t.Errorf("args %v do not read the ConfigMap's file", get(pod, "spec", "containers", 0, "args"))
			}

			checkConfigPaths(t, pod, config)

			// fsmon validate on the config as the pod sees it.
			root := filepath.Join(dir, "pod")
			cfgFile := filepath.Join(root, "etc", "fsmon", "config", "fsmon.yaml")
			text := podPaths(t, pod, config, root)
			if err := os.Chmod(filepath.Dir(cfgFile), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfgFile, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			out := run(t, fsmon, "validate", "--config", cfgFile)
			if !strings.Contains(string(out), "OK") {
				t.Errorf("fsmon validate: %s", out)
			}

			if c.rules {
				rulesFile := filepath.Join(dir, "rules.yml")
				run(t, fsmon, "rules", "export", "--config", cfgFile, "--out", rulesFile)
				run(t, helm, "lint", "--strict", chart, "-f", values, "--set-file", "prometheusRule.rules="+rulesFile)
				objs = render(t, helm, "-f", values, "--set-file", "prometheusRule.rules="+rulesFile)
				// Without the rules the chart refuses to render a PrometheusRule.
				cmd := exec.Command(helm, "template", "fsmon", chart, "-f", values)
				if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "fsmon rules export") {
					t.Errorf("prometheusRule.enabled without rules: err %v, output %.300s", err, out)
				}
				pr := mustGet(t, objs, "PrometheusRule/fsmon")
				if str(pr, "metadata", "labels", "release") != "kube-prometheus-stack" {
					t.Errorf("PrometheusRule labels %v", get(pr, "metadata", "labels"))
				}
				spec, err := yaml.Marshal(get(pr, "spec"))
				if err != nil {
					t.Fatal(err)
				}
				specFile := filepath.Join(dir, "prometheusrule.yml")
				if err := os.WriteFile(specFile, spec, 0o644); err != nil {
					t.Fatal(err)
				}
				run(t, promtool, "check", "rules", specFile)
				var exported, rendered any
				b, _ := os.ReadFile(rulesFile)
				if err := yaml.Unmarshal(b, &exported); err != nil {
					t.Fatal(err)
				}
				if err := yaml.Unmarshal(spec, &rendered); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(exported, rendered) {
					t.Errorf("PrometheusRule spec differs from fsmon rules export:\n%s", spec)
				}
				if get(rendered, "groups", 0) == nil {
					t.Error("PrometheusRule without groups")
				}
			} else if _, ok := objs["PrometheusRule/fsmon"]; ok {
				t.Error("PrometheusRule rendered without prometheusRule.enabled")
			}

			for _, name := range []string{"overview", "view"} {
				key := "ConfigMap/fsmon-" + name + "-dashboard"
				d, ok := objs[key]
				if !c.dashboard {
					if ok {
						t.Errorf("%s rendered without grafanaDashboards.enabled", key)
					}
					continue
				}
				if !ok {
					t.Fatalf("no %s", key)
				}
				if str(d, "metadata", "labels", "grafana_dashboard") != "1" {
					t.Errorf("%s labels %v, want grafana_dashboard: \"1\"", key, get(d, "metadata", "labels"))
				}
				file := "fsmon-" + name + ".json"
				shipped, err := os.ReadFile(filepath.Join("..", "grafana", "dashboards", file))
				if err != nil {
					t.Fatal(err)
				}
				var a, b any
				if err := json.Unmarshal(shipped, &a); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(str(d, "data", file)), &b); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s differs from deploy/grafana/dashboards/%s: copy it to deploy/helm/fsmon/files/dashboards", key, file)
				}
			}
			if c.check != nil {
				c.check(t, objs)
			}
		})
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// The StatefulSet mode hands each pod its ordinal for --shard i/n.
func TestChartStatefulSetShards(t *testing.T) {
	helm := need(t, "helm")
	objs := render(t, helm, "-f", filepath.Join(chart, "ci", "minimal-values.yaml"),
		"--set", "mode=statefulset", "--set", "replicas=3", "--set", "state.persistence.enabled=true")
	if _, ok := objs["Deployment/fsmon"]; ok {
		t.Error("statefulset mode also rendered a Deployment")
	}
	sts := mustGet(t, objs, "StatefulSet/fsmon")
	if n := get(sts, "spec", "replicas"); n != 3 {
		t.Errorf("replicas %v", n)
	}
	c := get(sts, "spec", "template", "spec", "containers", 0)
	args := strings.Join(toStrings(get(c, "args")), " ")
	if !strings.Contains(args, "--shard=$(FSMON_SHARD_INDEX)/3") {
		t.Errorf("args %q lack --shard=$(FSMON_SHARD_INDEX)/3", args)
	}
	var ref string
	envs, _ := get(c, "env").([]any)
	for _, e := range envs {
		if str(e, "name") == "FSMON_SHARD_INDEX" {
			ref = str(e, "valueFrom", "fieldRef", "fieldPath")
		}
	}
	if ref != "metadata.labels['apps.kubernetes.io/pod-index']" {
		t.Errorf("FSMON_SHARD_INDEX from %q, want the pod-index label", ref)
	}
	if str(sts, "spec", "volumeClaimTemplates", 0, "metadata", "name") != "state" {
		t.Errorf("no per-pod state claim: %v", get(sts, "spec", "volumeClaimTemplates"))
	}
	mustGet(t, objs, "Service/fsmon-headless")
	checkPod(t, get(sts, "spec", "template").(object), "")

	// A Deployment with two replicas would check and alert everything twice.
	cmd := exec.Command(helm, "template", "fsmon", chart, "-f", filepath.Join(chart, "ci", "minimal-values.yaml"), "--set", "replicas=2")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "statefulset") {
		t.Errorf("deployment with replicas=2: err %v, output %s", err, out)
	}
}

// The plain manifest (deploy/kubernetes) runs the chart's image with the
// chart's security settings.
func TestKubernetesExampleMatchesChart(t *testing.T) {
	var values object
	b, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	var chartMeta object
	b, err = os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &chartMeta); err != nil {
		t.Fatal(err)
	}
	version, err := os.ReadFile(filepath.Join("..", "..", "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if str(chartMeta, "appVersion") != strings.TrimSpace(string(version)) {
		t.Errorf("Chart.yaml appVersion %q, VERSION %q", str(chartMeta, "appVersion"), version)
	}

	b, err = os.ReadFile(filepath.Join("..", "kubernetes", "fsmon.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dep object
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o object
		if err := dec.Decode(&o); err != nil {
			break
		}
		if str(o, "kind") == "Deployment" {
			dep = o
		}
	}
	if dep == nil {
		t.Fatal("no Deployment in deploy/kubernetes/fsmon.yaml")
	}
	pod := get(dep, "spec", "template", "spec")
	c := get(pod, "containers", 0)
	if want := str(values, "image", "repository") + ":" + str(chartMeta, "appVersion"); str(c, "image") != want {
		t.Errorf("manifest image %q, the chart's is %q", str(c, "image"), want)
	}
	if !reflect.DeepEqual(get(pod, "securityContext"), get(values, "podSecurityContext")) {
		t.Errorf("pod securityContext %v, the chart's %v", get(pod, "securityContext"), get(values, "podSecurityContext"))
	}
	if !reflect.DeepEqual(get(c, "securityContext"), get(values, "securityContext")) {
		t.Errorf("container securityContext %v, the chart's %v", get(c, "securityContext"), get(values, "securityContext"))
	}
}
