// Package deploy holds the deployment examples (Kubernetes, Prometheus,
// Alertmanager, Grafana, Airflow) and fsmon.example.yaml, the config they
// are generated from. Tests in alerts/promrules and dashboards assert that
// the generated files under deploy/ equal what fsmon generates from
// ExampleConfig, so they cannot drift.
package deploy

import (
	_ "embed"

	"github.com/fsmon/fsmon/config"
)

//go:embed fsmon.example.yaml
var exampleYAML []byte

// ExampleConfig returns fsmon.example.yaml as config.Load returns it. It
// panics if the shipped example does not load, which a test catches.
func ExampleConfig() *config.Config {
	c, err := config.Parse(exampleYAML, "deploy/fsmon.example.yaml")
	if err != nil {
		panic("deploy/fsmon.example.yaml does not load: " + err.Error())
	}
	return c
}
