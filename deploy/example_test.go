package deploy

import (
	"testing"

	"github.com/fsmon/fsmon/config"
)

func TestExampleLoads(t *testing.T) {
	if _, err := config.Load("fsmon.example.yaml"); err != nil {
		t.Fatal(err)
	}
	c := ExampleConfig()
	if len(c.Views) == 0 || c.Views[0].Checks.NullRate.Crit == nil {
		t.Fatalf("example config has no views with defaults: %+v", c.Views)
	}
}
