package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/sample"
)

// authWriter is writer with a password on every connection.
func authWriter(t *testing.T, addr, password string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: addr, Password: password, Protocol: 2, DisableIdentity: true, PoolSize: 1,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// authViews returns a sampler per layout of the same store, with one entity
// "1" stored in each layout.
func authViews(t *testing.T, s *Store, addr, password string) map[string]*ViewSampler {
	t.Helper()
	ctx := context.Background()
	c := authWriter(t, addr, password)
	hset(t, c, "fs:driver:1", "event_ts", "1700000000", "conv_rate", "0.5")
	set(t, c, "feat:1:event_ts", "1700000000")
	set(t, c, "feat:1:conv_rate", "0.5")
	jk := []string{"driver_id"}
	if err := feasttest.WriteView(ctx, c, "p", 3, "fv", jk, []feasttest.Row{
		{Entity: []feast.EntityValue{i64(1)}, Event: time.Unix(1700000000, 0), Values: []feasttest.Field{
			{Name: "conv_rate", Value: feasttest.Double(0.5)}}}}); err != nil {
		t.Fatal(err)
	}
	conv := []sample.Feature{{Name: "conv_rate", Type: sample.Float64}}
	return map[string]*ViewSampler{
		"hash": newView(t, s, View{Name: "h", Layout: LayoutHash, Key: "fs:driver:{driver_id}", Entities: jk,
			TimestampField: "event_ts", Features: conv}),
		"string": newView(t, s, View{Name: "s", Layout: LayoutString, Key: "feat:{driver_id}:{feature}", Entities: jk,
			TimestampField: "event_ts", Features: conv}),
		"feast": newView(t, s, View{Name: "fv", Layout: LayoutFeast, Entities: jk, Features: conv,
			Project: "p", KeyVersion: 3, JoinKeyTypes: []feast.ValueType{feast.Int64}}),
	}
}

// TestPasswordRotated rotates the server's password mid-run (CONFIG SET
// requirepass, then CLIENT KILL of every connection), as an operator
// rotating a secret would: Sample and Lookup must return an error naming the
// failure (not panic on an empty reply), and work again once the password
// is back.
func TestPasswordRotated(t *testing.T) {
	srv := start(t, "requirepass old")
	s := newStore(t, Options{Addr: srv.Addr, Password: "old"})
	views := authViews(t, s, srv.Addr, "old")
	ctx := context.Background()
	// One connection, so that it is the one CLIENT KILL skips.
	admin := authWriter(t, srv.Addr, "old")
	checkAll := func(wantErr bool) {
		t.Helper()
		for name, vs := range views {
			smp, err := vs.Sample(ctx, 10)
			switch {
			case wantErr && err == nil:
				t.Errorf("%s Sample with a rotated password: no error", name)
			case wantErr && !strings.Contains(err.Error(), "WRONGPASS") && !strings.Contains(err.Error(), "NOAUTH"):
				t.Errorf("%s Sample error does not say the login failed: %v", name, err)
			case !wantErr && (err != nil || smp.Len() != 1):
				t.Errorf("%s Sample: %v", name, err)
			}
			lk, err := vs.Lookup(ctx, []sample.Entity{"1"})
			switch {
			case wantErr && err == nil:
				t.Errorf("%s Lookup with a rotated password: no error", name)
			case wantErr && !strings.Contains(err.Error(), "WRONGPASS") && !strings.Contains(err.Error(), "NOAUTH"):
				t.Errorf("%s Lookup error does not say the login failed: %v", name, err)
			case !wantErr && (err != nil || !lk.HasTime[0]):
				t.Errorf("%s Lookup: %v", name, err)
			}
		}
	}
	checkAll(false)

	rotate := func(pw string) {
		t.Helper()
		if err := admin.ConfigSet(ctx, "requirepass", pw).Err(); err != nil {
			t.Fatal(err)
		}
		// The admin connection survives (SKIPME yes is the default).
		if err := admin.Do(ctx, "CLIENT", "KILL", "TYPE", "normal").Err(); err != nil {
			t.Fatal(err)
		}
	}
	rotate("new")
	checkAll(true)
	rotate("old")
	checkAll(false)
}

// TestWrongDB: a db number the server does not have fails the connection
// setup (SELECT); reads return that error instead of empty replies.
func TestWrongDB(t *testing.T) {
	srv := start(t)
	s := newStore(t, Options{Addr: srv.Addr, DB: 999})
	vs := newView(t, s, driverView())
	ctx := context.Background()
	if _, err := vs.Lookup(ctx, []sample.Entity{"1"}); err == nil || !strings.Contains(err.Error(), "DB index") {
		t.Errorf("Lookup on db 999: %v, want the server's DB index error", err)
	}
	if _, err := vs.Sample(ctx, 10); err == nil || !strings.Contains(err.Error(), "DB index") {
		t.Errorf("Sample on db 999: %v, want the server's DB index error", err)
	}
}
