package deploy

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The Alertmanager example shows every alert's runbook and dashboard links,
// the annotations fsmon's rules carry (alerts/promrules tests that they do).
func TestAlertmanagerExampleUsesRuleLinks(t *testing.T) {
	b, err := os.ReadFile("alertmanager/alertmanager.yml")
	if err != nil {
		t.Fatal(err)
	}
	var am struct {
		Receivers []struct {
			Name         string `yaml:"name"`
			SlackConfigs []struct {
				Text string `yaml:"text"`
			} `yaml:"slack_configs"`
		} `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(b, &am); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range am.Receivers {
		for _, s := range r.SlackConfigs {
			n++
			for _, want := range []string{".Annotations.runbook_url", ".Annotations.dashboard", ".Annotations.summary"} {
				if !strings.Contains(s.Text, want) {
					t.Errorf("receiver %s does not show %s", r.Name, want)
				}
			}
		}
	}
	if n < 2 {
		t.Errorf("%d Slack receivers, want one per severity", n)
	}
}
