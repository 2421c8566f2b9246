package config

// discoverFeast fills c.Views from the Feast repo named in c.Feast, merging
// views the config lists under the same name. It is owned by the Feast
// discovery work; until then it leaves the config as it is.
func discoverFeast(c *Config) []error { return nil }
