package slack

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheckAuth: auth.test against the fake Slack with each of the
// method's documented answers; the token never shows in an error and
// nothing is posted.
func TestCheckAuth(t *testing.T) {
	cases := []struct {
		name   string
		token  string
		script []reply
		errHas string // "" means accepted
		calls  int
	}{
		{name: "accepted", token: botToken, calls: 1},
		{name: "invalid_auth", token: "xoxb-9999-wrong-s3cr3t", errHas: "invalid_auth: Slack does not accept the token", calls: 1},
		{name: "account_inactive", token: botToken, script: []reply{apiError("account_inactive")}, errHas: "account_inactive: the token's user or workspace has been deactivated", calls: 1},
		{name: "token_revoked", token: botToken, script: []reply{apiError("token_revoked")}, errHas: "token_revoked: the token has been revoked", calls: 1},
		{name: "token_expired", token: botToken, script: []reply{apiError("token_expired")}, errHas: "token_expired", calls: 1},
		{name: "not_authed", token: botToken, script: []reply{apiError("not_authed")}, errHas: "not_authed: no token reached Slack", calls: 1},
		{name: "ratelimited then ok", token: botToken, calls: 2,
			script: []reply{{status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"ok":false,"error":"ratelimited"}`}}},
		{name: "ratelimited past the deadline", token: botToken, calls: 1, errHas: "Slack asks to retry after 1m0s, past the time left",
			script: []reply{{status: 429, header: map[string]string{"Retry-After": "60"}, body: `{"ok":false,"error":"ratelimited"}`}}},
		{name: "5xx", token: botToken, calls: 1, errHas: "503",
			script: []reply{{status: 503, body: "service unavailable"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeSlack(t, "C_ALERTS", "C_PAGE")
			f.push(c.script...)
			var logs bytes.Buffer
			n := botNotifier(t, f, c.token, &logs)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			team, user, err := n.CheckAuth(ctx)
			switch {
			case c.errHas == "" && err != nil:
				t.Fatalf("CheckAuth: %v", err)
			case c.errHas == "" && (team != "fsmon test" || user != "fsmon"):
				t.Errorf("team %q user %q, want the fake workspace's", team, user)
			case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
				t.Fatalf("CheckAuth error %v, want it to contain %q", err, c.errHas)
			}
			if err != nil && (strings.Contains(err.Error(), c.token) || strings.Contains(logs.String(), c.token)) {
				t.Errorf("the token leaked: %v / %s", err, logs.String())
			}
			calls := f.calls()
			if len(calls) != c.calls {
				t.Fatalf("%d calls, want %d: %+v", len(calls), c.calls, calls)
			}
			for _, r := range calls {
				if r.Method != "auth.test" {
					t.Errorf("CheckAuth called %s", r.Method)
				}
			}
			if c.calls == 2 && calls[1].At.Sub(calls[0].At) < time.Second {
				t.Errorf("retried after %s, before the Retry-After of 1s", calls[1].At.Sub(calls[0].At))
			}
			if c.name == "ratelimited past the deadline" && time.Since(start) > 5*time.Second {
				t.Errorf("waited %s for a Retry-After beyond the deadline", time.Since(start))
			}
		})
	}
}

// A webhook is not posted to: CheckAuth says so and sends nothing.
func TestCheckAuthWebhook(t *testing.T) {
	f := newFakeSlack(t)
	var logs bytes.Buffer
	_, _, err := webhookNotifier(t, f, &logs).CheckAuth(context.Background())
	if !errors.Is(err, ErrWebhookNotChecked) {
		t.Fatalf("CheckAuth on a webhook: %v, want ErrWebhookNotChecked", err)
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("%d requests to Slack, want none", n)
	}
}
