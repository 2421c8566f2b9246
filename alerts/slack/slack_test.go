package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

func oneNote() alerts.Notification {
	return alerts.Notification{Project: "p", FeatureView: "v", Severity: checks.Warn, At: at,
		Firing: []alerts.Alert{alert("coverage", "", "", checks.Warn, time.Minute, f64(0.98), th(0.99, 0.95))}}
}

func webhookNotifier(t *testing.T, f *fakeSlack, logs *bytes.Buffer) *Notifier {
	t.Helper()
	n, err := New(Options{WebhookURL: f.webhookURL(), Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func botNotifier(t *testing.T, f *fakeSlack, token string, logs *bytes.Buffer) *Notifier {
	t.Helper()
	n, err := New(Options{Token: token, APIURL: f.apiURL(), Channel: "C_ALERTS",
		Channels: map[string]string{"crit": "C_PAGE"},
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetryDecisions lists Slack's documented answers with the retry
// decision each must get (alertmanager's RetryTests, plus 429).
func TestRetryDecisions(t *testing.T) {
	cases := []struct {
		name       string
		bot        bool
		reply      reply
		retry      bool
		retryAfter time.Duration
		errHas     string
	}{
		{name: "webhook ok", reply: reply{status: 200, body: "ok"}},
		{name: "webhook invalid_payload", reply: reply{status: 400, body: "invalid_payload"}, errHas: "400 Bad Request: invalid_payload"},
		{name: "webhook invalid_token", reply: reply{status: 403, body: "invalid_token"}, errHas: "403 Forbidden: invalid_token"},
		{name: "webhook action_prohibited", reply: reply{status: 403, body: "action_prohibited"}, errHas: "action_prohibited"},
		{name: "webhook no_service", reply: reply{status: 404, body: "no_service"}, errHas: "404 Not Found: no_service"},
		{name: "webhook channel_not_found", reply: reply{status: 404, body: "channel_not_found"}, errHas: "channel_not_found"},
		{name: "webhook channel_is_archived", reply: reply{status: 410, body: "channel_is_archived"}, errHas: "410 Gone: channel_is_archived"},
		{name: "webhook 429 retry-after", reply: reply{status: 429, header: map[string]string{"Retry-After": "30"}, body: "rate_limited"}, retry: true, retryAfter: 30 * time.Second, errHas: "HTTP 429"},
		{name: "webhook 429 bare", reply: reply{status: 429, body: "rate_limited"}, retry: true, errHas: "429 Too Many Requests"},
		{name: "webhook 429 bad retry-after", reply: reply{status: 429, header: map[string]string{"Retry-After": "soon"}}, retry: true, errHas: "unreadable Retry-After"},
		{name: "webhook 500", reply: reply{status: 500, body: "<html>oops</html>"}, retry: true, errHas: "500 Internal Server Error"},
		{name: "webhook 502", reply: reply{status: 502}, retry: true, errHas: "502"},
		{name: "webhook 503", reply: reply{status: 503}, retry: true, errHas: "503"},
		{name: "api invalid_auth", bot: true, reply: apiError("invalid_auth"), errHas: "chat.postMessage: invalid_auth"},
		{name: "api not_authed", bot: true, reply: apiError("not_authed"), errHas: "not_authed"},
		{name: "api channel_not_found", bot: true, reply: apiError("channel_not_found"), errHas: "channel_not_found"},
		{name: "api invalid_blocks", bot: true, reply: apiError("invalid_blocks"), errHas: "invalid_blocks"},
		{name: "api internal_error", bot: true, reply: apiError("internal_error"), retry: true, errHas: "internal_error"},
		{name: "api service_unavailable", bot: true, reply: apiError("service_unavailable"), retry: true, errHas: "service_unavailable"},
		{name: "api 429 ratelimited", bot: true, reply: reply{status: 429, header: map[string]string{"Retry-After": "2"}, body: `{"ok":false,"error":"ratelimited"}`}, retry: true, retryAfter: 2 * time.Second, errHas: "HTTP 429"},
		{name: "api 503", bot: true, reply: reply{status: 503, body: "<html></html>"}, retry: true, errHas: "503"},
		{name: "api 400", bot: true, reply: reply{status: 400, body: "bad"}, errHas: "400"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeSlack(t, "C_ALERTS")
			var logs bytes.Buffer
			n := webhookNotifier(t, f, &logs)
			if c.bot {
				n = botNotifier(t, f, botToken, &logs)
			}
			f.push(c.reply)
			_, retry, err := n.Notify(context.Background(), oneNote())
			if c.errHas == "" {
				if err != nil {
					t.Fatalf("Notify: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("Notify error = %v, want it to contain %q", err, c.errHas)
			}
			if retry != c.retry {
				t.Errorf("retry = %v, want %v (err %v)", retry, c.retry, err)
			}
			var ra *alerts.RetryAfterError
			if got := errors.As(err, &ra); got != (c.retryAfter > 0) || (got && ra.After != c.retryAfter) {
				t.Errorf("RetryAfterError = %v, want after %s", ra, c.retryAfter)
			}
			if len(f.calls()) != 1 {
				t.Errorf("%d requests, want 1", len(f.calls()))
			}
		})
	}
}

// TestNotifyLeaksNoSecret checks that neither errors nor logs of any
// failure contain the webhook URL, its path, or the token
// (alertmanager's AssertNotifyLeaksNoSecret).
func TestNotifyLeaksNoSecret(t *testing.T) {
	secrets := []string{webhookPath, "s3cr3tW3bh00kP4th", botToken, "s3cr3tT0k3n"}
	failures := []reply{
		{status: 400, body: "invalid_payload"}, {status: 404, body: "no_service"},
		{status: 500, body: "x"}, {status: 429, header: map[string]string{"Retry-After": "1"}},
	}
	for _, bot := range []bool{false, true} {
		failures := failures
		if bot { // a webhook answers 200 "ok", never a JSON error
			failures = append(failures, apiError("invalid_auth"))
		}
		f := newFakeSlack(t, "C_ALERTS")
		var logs bytes.Buffer
		n := webhookNotifier(t, f, &logs)
		if bot {
			n = botNotifier(t, f, botToken, &logs)
		}
		reg := prometheus.NewRegistry()
		st, _ := alerts.Open("", alerts.Options{})
		d, err := alerts.NewDispatcher(st, n, reg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		d.Sleep = func(context.Context, time.Duration) error { return nil }
		d.Timeout = time.Second
		var errs []error
		for _, r := range failures {
			f.push(r)
			errs = append(errs, d.Deliver(context.Background(), []alerts.Notification{oneNote()}))
		}
		// network errors: a closed server, and a deadline
		ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
		_, _, err = n.Notify(ctx, oneNote())
		cancel()
		errs = append(errs, err)
		f.Close()
		_, _, err = n.Notify(context.Background(), oneNote())
		errs = append(errs, err)
		for i, err := range errs {
			if err == nil {
				t.Errorf("bot=%v failure %d: no error", bot, i)
				continue
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("bot=%v failure %d: error leaks %q: %v", bot, i, s, err)
				}
			}
		}
		for _, s := range secrets {
			if strings.Contains(logs.String(), s) {
				t.Errorf("bot=%v: logs leak %q:\n%s", bot, s, logs.String())
			}
		}
		if !strings.Contains(logs.String(), "notification not delivered") {
			t.Errorf("bot=%v: failures were not logged:\n%s", bot, logs.String())
		}
	}
}

// TestRetryAfterIsHonoured uses the real clock: after a 429 with
// Retry-After: 1, the next request comes at least a second later.
func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFakeSlack(t)
	var logs bytes.Buffer
	n := webhookNotifier(t, f, &logs)
	reg := prometheus.NewRegistry()
	st, _ := alerts.Open("", alerts.Options{})
	d, err := alerts.NewDispatcher(st, n, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.MinBackoff = 10 * time.Millisecond
	f.push(reply{status: 429, header: map[string]string{"Retry-After": "1"}, body: "rate_limited"})
	if err := d.Process(context.Background(), []checks.Result{{Check: "coverage", Project: "p", FeatureView: "v", Status: checks.Warn}}, at); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2", len(calls))
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < time.Second {
		t.Errorf("retried after %s, Retry-After said 1s", gap)
	}
	wantCount(t, reg, 1, 0)
}

func wantCount(t *testing.T, reg *prometheus.Registry, success, failure int) {
	t.Helper()
	if got := testutil.ToFloat64(counter(t, reg, "success")); got != float64(success) {
		t.Errorf("fsmon_notifications_total{notifier=slack,result=success} = %v, want %d", got, success)
	}
	if got := testutil.ToFloat64(counter(t, reg, "failure")); got != float64(failure) {
		t.Errorf("fsmon_notifications_total{notifier=slack,result=failure} = %v, want %d", got, failure)
	}
}

func counter(t *testing.T, reg *prometheus.Registry, result string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "fsmon_notifications_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["notifier"] == "slack" && labels["result"] == result {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	t.Fatalf("no fsmon_notifications_total{notifier=slack,result=%s}", result)
	return nil
}

// header returns the header text and the section titles of a request's
// blocks, e.g. ":warning: v — WARN [New]".
func header(t *testing.T, r request) string {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if err := json.Unmarshal(r.Blocks, &blocks); err != nil {
		t.Fatalf("blocks of %s: %v", r.Method, err)
	}
	var parts []string
	for _, b := range blocks {
		switch {
		case b.Type == "header":
			parts = append(parts, b.Text.Text)
		case b.Type == "section" && strings.HasPrefix(b.Text.Text, "*") && !strings.Contains(b.Text.Text, "\n"):
			parts = append(parts, "["+strings.Trim(b.Text.Text, "*")+"]")
		case b.Type == "section" && strings.HasPrefix(parts[len(parts)-1], "#"):
			parts[len(parts)-1] += "#"
		case b.Type == "section":
			parts = append(parts, "#")
		}
	}
	return strings.Join(parts, " ")
}

type seqStep struct {
	name    string
	after   time.Duration
	results []checks.Result
	restart bool
	replies []reply
	want    []string // method channel header per request
}

func r(check, feature string, st checks.Status) checks.Result {
	return checks.Result{Check: check, Project: "feast_demo", FeatureView: "drivers", Feature: feature, Status: st}
}

func runSequence(t *testing.T, newNotifier func() *Notifier, f *fakeSlack, steps []seqStep) *prometheus.Registry {
	t.Helper()
	path := filepath.Join(t.TempDir(), "alerts.json")
	reg := prometheus.NewRegistry()
	opts := alerts.Options{For: 0, RepeatInterval: 4 * time.Hour}
	open := func() *alerts.Dispatcher {
		st, err := alerts.Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		d, err := alerts.NewDispatcher(st, newNotifier(), reg, nil)
		if err != nil {
			t.Fatal(err)
		}
		d.Sleep = func(context.Context, time.Duration) error { return nil }
		return d
	}
	d := open()
	for _, s := range steps {
		if s.restart {
			d = open()
		}
		f.reset()
		f.push(s.replies...)
		_ = d.Process(context.Background(), s.results, at.Add(s.after))
		var got []string
		for _, c := range f.calls() {
			got = append(got, strings.Join(strings.Fields(c.Method+" "+c.Channel+" "+c.TS+" "+header(t, c)), " "))
		}
		if strings.Join(got, "\n") != strings.Join(s.want, "\n") {
			t.Errorf("%s: Slack received\n%s\nwant\n%s", s.name, strings.Join(got, "\n"), strings.Join(s.want, "\n"))
		}
	}
	return reg
}

func TestScriptedSequenceWebhook(t *testing.T) {
	f := newFakeSlack(t)
	var logs bytes.Buffer
	three := []checks.Result{r("null_rate", "a", checks.Warn), r("null_rate", "b", checks.Warn), r("null_rate", "c", checks.Warn), r("coverage", "", checks.OK)}
	reg := runSequence(t, func() *Notifier { return webhookNotifier(t, f, &logs) }, f, []seqStep{
		{name: "fire, 3 features grouped", after: 0, results: three,
			want: []string{"webhook :warning: drivers — WARN [New] ###"}},
		{name: "repeat within interval", after: time.Hour, results: three},
		{name: "restart in the middle", after: 2 * time.Hour, restart: true, results: three},
		{name: "repeat after interval", after: 4 * time.Hour, results: three,
			want: []string{"webhook :warning: drivers — WARN [Still firing] ###"}},
		{name: "escalate b to crit", after: 4*time.Hour + 5*time.Minute,
			results: []checks.Result{r("null_rate", "a", checks.Warn), r("null_rate", "b", checks.Crit), r("null_rate", "c", checks.Warn)},
			want:    []string{"webhook :red_circle: drivers — CRIT [Escalated] # [Still firing] ##"}},
		{name: "500 then 400: not delivered", after: 4*time.Hour + 10*time.Minute,
			results: []checks.Result{r("null_rate", "a", checks.OK), r("null_rate", "b", checks.OK), r("null_rate", "c", checks.OK)},
			replies: []reply{{status: 500}, {status: 400, body: "invalid_payload"}},
			want:    []string{"webhook :white_check_mark: drivers — RESOLVED [Resolved] ###", "webhook :white_check_mark: drivers — RESOLVED [Resolved] ###"}},
		{name: "restart: the resolution is not lost", after: 4*time.Hour + 15*time.Minute, restart: true,
			results: []checks.Result{r("null_rate", "a", checks.OK), r("null_rate", "b", checks.OK), r("null_rate", "c", checks.OK)},
			want:    []string{"webhook :white_check_mark: drivers — RESOLVED [Resolved] ###"}},
		{name: "quiet afterwards", after: 9 * time.Hour, restart: true,
			results: []checks.Result{r("null_rate", "a", checks.OK), r("null_rate", "b", checks.OK), r("null_rate", "c", checks.OK)}},
	})
	wantCount(t, reg, 4, 1)
}

func TestScriptedSequenceBot(t *testing.T) {
	f := newFakeSlack(t, "C_ALERTS", "C_PAGE")
	var logs bytes.Buffer
	fresh := func(st checks.Status) []checks.Result { return []checks.Result{r("freshness", "", st)} }
	reg := runSequence(t, func() *Notifier { return botNotifier(t, f, botToken, &logs) }, f, []seqStep{
		{name: "fire warn", after: 0, results: fresh(checks.Warn),
			want: []string{"chat.postMessage C_ALERTS :warning: drivers — WARN [New] #"}},
		{name: "429 then ok: one message", after: 5 * time.Hour, results: fresh(checks.Warn),
			replies: []reply{{status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"ok":false,"error":"ratelimited"}`}},
			want: []string{"chat.postMessage C_ALERTS :warning: drivers — WARN [Still firing] #", "chat.postMessage C_ALERTS :warning: drivers — WARN [Still firing] #",
				"chat.update C_ALERTS 1700000000.000001 :arrow_down: drivers — superseded"}},
		{name: "escalate to crit goes to the crit channel; the warn message is updated", after: 5*time.Hour + 5*time.Minute, restart: true, results: fresh(checks.Crit),
			want: []string{"chat.postMessage C_PAGE :red_circle: drivers — CRIT [Escalated] #", "chat.update C_ALERTS 1700000000.000002 :arrow_down: drivers — superseded"}},
		{name: "resolve updates the last message", after: 5*time.Hour + 10*time.Minute, restart: true, results: fresh(checks.OK),
			want: []string{"chat.update C_PAGE 1700000000.000003 :white_check_mark: drivers — RESOLVED [Resolved] #"}},
		{name: "fire again, invalid_auth is not retried", after: 6 * time.Hour, results: fresh(checks.Warn),
			replies: []reply{apiError("invalid_auth")},
			want:    []string{"chat.postMessage C_ALERTS :warning: drivers — WARN [New] #"}},
		{name: "delivered next cycle", after: 6*time.Hour + 5*time.Minute, results: fresh(checks.Warn),
			want: []string{"chat.postMessage C_ALERTS :warning: drivers — WARN [New] #"}},
	})
	wantCount(t, reg, 5, 1)
}

func TestResolveFallsBackToPost(t *testing.T) {
	f := newFakeSlack(t, "C_ALERTS")
	var logs bytes.Buffer
	n := botNotifier(t, f, botToken, &logs)
	note := alerts.Notification{Project: "p", FeatureView: "v", Severity: checks.OK, At: at,
		Resolved: []alerts.Alert{{Key: alerts.Key{Check: "coverage", Project: "p", FeatureView: "v"}, Resolved: true,
			SentStatus: checks.Warn, Since: at.Add(-time.Hour), Ref: "C_ALERTS/1600000000.000001"}}}
	ref, _, err := n.Notify(context.Background(), note)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.calls() {
		got = append(got, c.Method+" "+c.Channel+" "+c.TS)
	}
	if want := "chat.update C_ALERTS 1600000000.000001,chat.postMessage C_ALERTS "; strings.Join(got, ",") != want {
		t.Errorf("requests %q, want %q", strings.Join(got, ","), want)
	}
	if ref != "C_ALERTS/1700000000.000001" {
		t.Errorf("ref = %q", ref)
	}
	if !strings.Contains(logs.String(), "message_not_found") {
		t.Errorf("the failed update was not logged: %s", logs.String())
	}
}

func TestNewFromConfig(t *testing.T) {
	dir := t.TempDir()
	hook := filepath.Join(dir, "hook")
	if err := os.WriteFile(hook, []byte("https://hooks.slack.com"+webhookPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := NewFromConfig(&config.Slack{WebhookURLFile: hook, DashboardURL: "https://g/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.opts.WebhookURL != "https://hooks.slack.com"+webhookPath || n.opts.Links.Dashboard != "https://g/" {
		t.Errorf("options: %+v", n.opts.Links)
	}
	missing := filepath.Join(dir, "nope")
	if _, err := NewFromConfig(&config.Slack{TokenFile: missing, Channel: "C"}, nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing token file: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("not a url "+botToken), 0o600)
	if _, err := NewFromConfig(&config.Slack{WebhookURLFile: bad}, nil); err == nil || strings.Contains(err.Error(), botToken) {
		t.Errorf("bad webhook URL: %v", err)
	}
	tok := filepath.Join(dir, "tok")
	os.WriteFile(tok, []byte(botToken), 0o600)
	if _, err := NewFromConfig(&config.Slack{TokenFile: tok}, nil); err == nil || !strings.Contains(err.Error(), "channel") {
		t.Errorf("token without channel: %v", err)
	}
}

// warn → crit → ok with a bot token: the warn message is updated when the
// alert escalates, the crit message when it resolves, and in the end no
// message of the episode says the alert is firing.
func TestEscalationUpdatesEarlierMessages(t *testing.T) {
	f := newFakeSlack(t, "C_ALERTS", "C_PAGE")
	var logs bytes.Buffer
	st, err := alerts.Open("", alerts.Options{RepeatInterval: 4 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	d, err := alerts.NewDispatcher(st, botNotifier(t, f, botToken, &logs), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]string{} // channel/ts -> header of its latest content
	for i, s := range []checks.Status{checks.Warn, checks.Crit, checks.Crit, checks.OK} {
		f.reset()
		if err := d.Process(context.Background(), []checks.Result{r("freshness", "", s)}, at.Add(time.Duration(i)*5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, c := range f.calls() {
			ts := c.TS
			if c.Method == "chat.postMessage" {
				ts = fmt.Sprintf("1700000000.%06d", len(last)+1)
			}
			last[c.Channel+"/"+ts] = header(t, c)
		}
	}
	want := map[string]string{
		"C_ALERTS/1700000000.000001": ":arrow_down: drivers — superseded",
		"C_PAGE/1700000000.000002":   ":white_check_mark: drivers — RESOLVED [Resolved] #",
	}
	if len(last) != len(want) {
		t.Fatalf("messages %q, want %q", last, want)
	}
	for ref, h := range want {
		if last[ref] != h {
			t.Errorf("message %s ends as %q, want %q", ref, last[ref], h)
		}
	}
}
