package redisstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fsmon/fsmon/sample"
)

// TestReadOnlyACL runs every operation as a user holding only the commands
// the package doc lists, and checks Redis logged no denied command (a denial
// swallowed by a fallback would show in ACL LOG).
func TestReadOnlyACL(t *testing.T) {
	dir := t.TempDir()
	acl := filepath.Join(dir, "users.acl")
	users := "user default on nopass ~* &* +@all\n" +
		"user fsmon on >pw ~* resetchannels -@all +scan +hmget +mget +get +ping\n"
	if err := os.WriteFile(acl, []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := start(t, "aclfile "+acl)
	loadDrivers(t, srv.Addr)
	c := writer(t, srv.Addr)
	set(t, c, "feat:1:event_ts", "1700000000")
	set(t, c, "feat:1:conv_rate", "0.5")

	s := newStore(t, Options{Addr: srv.Addr, Username: "fsmon", Password: "pw", RateLimit: 1000})
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	hv := newView(t, s, driverView())
	if smp, err := hv.Sample(ctx, 10); err != nil || smp.Len() != 4 {
		t.Fatalf("hash Sample: %v", err)
	}
	if _, err := hv.Lookup(ctx, []sample.Entity{"1", "99"}); err != nil {
		t.Fatalf("hash Lookup: %v", err)
	}
	sv := newView(t, s, View{Name: "s", Layout: LayoutString, Key: "feat:{id}:{feature}", Entities: []string{"id"},
		TimestampField: "event_ts", Features: []sample.Feature{{Name: "conv_rate", Type: sample.Float64}}})
	if smp, err := sv.Sample(ctx, 10); err != nil || smp.Len() != 1 {
		t.Fatalf("string Sample: %v", err)
	}
	if _, err := sv.Lookup(ctx, []sample.Entity{"1"}); err != nil {
		t.Fatalf("string Lookup: %v", err)
	}
	log, err := c.Do(ctx, "ACL", "LOG").Slice()
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 0 {
		t.Errorf("ACL LOG has %d denials: %v", len(log), log)
	}

	// The check has teeth: a command outside the list is denied and logged.
	if err := newStore(t, Options{Addr: srv.Addr, Username: "fsmon", Password: "pw"}).rdb.HGetAll(ctx, "fs:driver:1").Err(); err == nil {
		t.Error("HGETALL allowed to the restricted user")
	}
}
