package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/fsmon/fsmon/internal/redistest"
)

// oldReply is a Redis error reply of a server that cannot run here (Redis
// before 6, which answers a wrong AUTH with "ERR invalid password"): any
// type with a RedisError method is a go-redis redis.Error.
type oldReply string

func (e oldReply) Error() string { return string(e) }
func (oldReply) RedisError()     {}

// TestRedisRefused: the replies a real redis-server gives to each config
// mistake, bare, wrapped and joined as redisstore returns them, are told
// apart by their error code; other replies and errors that are not replies
// are no refusal; isConnError takes refusals and network errors for
// connection problems and nothing else.
func TestRedisRefused(t *testing.T) {
	const pass = "s3cret"
	acl := filepath.Join(t.TempDir(), "users.acl")
	users := "user default on >" + pass + " ~* &* +@all\nuser noscan on >" + pass + " ~* resetchannels +@all -scan\n"
	if err := os.WriteFile(acl, []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t, "aclfile "+acl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// reply is the error of one command on a new connection of user/password/db.
	reply := func(user, password string, db int, cmd ...any) error {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, Username: user, Password: password, DB: db,
			MaxRetries: -1, DisableIdentity: true,
			MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
		defer c.Close()
		err := c.Do(ctx, cmd...).Err()
		if err == nil {
			t.Fatalf("%v as %q on db %d: no error", cmd, user, db)
		}
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	refused := redis.NewClient(&redis.Options{Addr: closed, MaxRetries: -1, DialerRetries: 1}).Ping(ctx).Err()

	cases := []struct {
		name string
		err  error
		want redisRefusal
		conn bool
	}{
		{"wrong password", reply("", "not-it", 0, "ping"), refusedCredentials, true},
		{"wrong user", reply("nobody", pass, 0, "ping"), refusedCredentials, true},
		{"Redis 5 wrong password", oldReply("ERR invalid password"), refusedCredentials, true},
		{"no password", reply("", "", 0, "ping"), needsPassword, true},
		{"command not allowed", reply("noscan", pass, 0, "scan", "0"), refusedPermission, true},
		{"no such db", reply("", pass, 99, "ping"), noSuchDB, true},
		{"no such key", reply("", pass, 0, "get", "absent"), notRefused, false},
		{"unknown command", reply("", pass, 0, "nosuchcommand"), notRefused, false},
		{"ERR of another kind", oldReply("ERR value is not an integer or out of range (invalid password?)"), notRefused, false},
		{"text only, not a reply", errors.New("WRONGPASS in a message of our own"), notRefused, false},
		{"connection refused", refused, notRefused, true},
		{"deadline", fmt.Errorf("scan: %w", context.DeadlineExceeded), notRefused, true},
	}
	for _, c := range cases {
		t.Logf("%s: %v", c.name, c.err)
		for _, err := range []error{c.err,
			fmt.Errorf("sample view %q: scan on %s: %w", "v", srv.Addr, c.err),
			fmt.Errorf("sentinel master %q: %w", "m", errors.Join(fmt.Errorf("sentinel a: %w", c.err)))} {
			if got := redisRefused(err); got != c.want {
				t.Errorf("%s: redisRefused(%v) = %d, want %d", c.name, err, got, c.want)
			}
			if got := isConnError(err); got != c.conn {
				t.Errorf("%s: isConnError(%v) = %v, want %v", c.name, err, got, c.conn)
			}
		}
	}
}
