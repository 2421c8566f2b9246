// Package slack delivers fsmon's alert notifications to Slack with slack-go,
// through an incoming webhook or a bot token (chat.postMessage, and
// chat.update to mark a view's earlier messages superseded or resolved).
//
// Retry decisions: HTTP 429 is retried after its Retry-After; 5xx, network
// errors and the Web API's transient errors (ratelimited, internal_error,
// fatal_error, service_unavailable, request_timeout) are retried with
// backoff; every other 4xx and Web API error (invalid_auth,
// channel_not_found, invalid_payload, ...) is not. Errors never contain the
// webhook URL or the token.
package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/config"
)

// Options configure a Notifier. Exactly one of WebhookURL and Token is set;
// with Token, Channel (or a Channels entry for every severity) is required.
type Options struct {
	WebhookURL string
	Token      string
	// Channel receives every message; Channels overrides it per severity
	// ("warn", "crit"). Webhooks post to their own channel.
	Channel  string
	Channels map[string]string
	Links    Links
	// APIURL is the Web API base ("https://slack.com/api/" by default).
	APIURL     string
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Notifier sends notifications to Slack. It implements alerts.Notifier.
type Notifier struct {
	opts    Options
	client  *http.Client
	api     *slackapi.Client
	secrets []string
	logger  *slog.Logger
}

var _ alerts.Notifier = (*Notifier)(nil)

// New returns a Notifier for o.
func New(o Options) (*Notifier, error) {
	switch {
	case o.WebhookURL == "" && o.Token == "":
		return nil, errors.New("slack: neither a webhook URL nor a token is set")
	case o.WebhookURL != "" && o.Token != "":
		return nil, errors.New("slack: both a webhook URL and a token are set; use one")
	case o.Token != "" && o.Channel == "" && (o.Channels["warn"] == "" || o.Channels["crit"] == ""):
		return nil, errors.New("slack: a token needs a channel (or channels for both warn and crit)")
	}
	if o.WebhookURL != "" {
		u, err := url.Parse(o.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("slack: the webhook URL is not an http(s) URL")
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	base := o.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	client := *base
	rt := client.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	client.Transport = bodyStatus{rt}
	n := &Notifier{opts: o, client: &client, logger: o.Logger}
	for _, s := range []string{o.WebhookURL, o.Token} {
		if s != "" {
			n.secrets = append(n.secrets, s)
		}
	}
	if u, err := url.Parse(o.WebhookURL); err == nil && len(u.Path) > 1 {
		n.secrets = append(n.secrets, u.Path, url.PathEscape(u.Path))
	}
	if o.Token != "" {
		opts := []slackapi.Option{slackapi.OptionHTTPClient(n.client), slackapi.OptionLog(log.New(io.Discard, "", 0))}
		if o.APIURL != "" {
			opts = append(opts, slackapi.OptionAPIURL(o.APIURL))
		}
		n.api = slackapi.New(o.Token, opts...)
	}
	return n, nil
}

// NewFromConfig reads the secret named by c (webhook_url_file or
// token_file) and returns a Notifier. Errors name the file, never its
// content.
func NewFromConfig(c *config.Slack, logger *slog.Logger) (*Notifier, error) {
	o := Options{Channel: c.Channel, Channels: c.Channels, Links: Links{Dashboard: c.DashboardURL, Status: c.StatusURL}, Logger: logger}
	read := func(path string) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("slack: read secret file %s: %w", path, err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("slack: secret file %s is empty", path)
		}
		return s, nil
	}
	var err error
	if c.WebhookURLFile != "" {
		if o.WebhookURL, err = read(c.WebhookURLFile); err != nil {
			return nil, err
		}
	}
	if c.TokenFile != "" {
		if o.Token, err = read(c.TokenFile); err != nil {
			return nil, err
		}
	}
	return New(o)
}

// Name returns "slack", the notifier label of fsmon_notifications_total.
func (n *Notifier) Name() string { return "slack" }

// Notify posts the notification. With a token, a notification that only
// resolves alerts updates the view's last message in place (chat.update)
// and posts a new one only when that fails; the returned reference is
// "channel/ts" of the message posted.
func (n *Notifier) Notify(ctx context.Context, note alerts.Notification) (string, bool, error) {
	text, blocks := Render(note, n.opts.Links)
	if n.api == nil {
		msg := &slackapi.WebhookMessage{Text: text, Blocks: &slackapi.Blocks{BlockSet: blocks}}
		err := slackapi.PostWebhookCustomHTTPContext(ctx, n.opts.WebhookURL, n.client, msg)
		retry, err := n.classify("post to webhook", err)
		return "", retry, err
	}
	if !note.Active() {
		if ok := n.updateResolved(ctx, note, text, blocks); ok {
			return "", false, nil
		}
	}
	ch, ts, err := n.api.PostMessageContext(ctx, n.channel(note), slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
	if retry, err := n.classify("chat.postMessage", err); err != nil {
		return "", retry, err
	}
	ref := ch + "/" + ts
	if note.Active() { // a resolution that could not update in place already tried
		n.supersede(ctx, note, ref)
	}
	return ref, false, nil
}

// supersede marks the earlier messages of the note's alerts (the ones
// they were last sent in) as superseded by the message ref, so no earlier
// message keeps saying "firing" after an escalation, a repeat or a
// resolution posted anew. Failures are logged: the new message is out.
func (n *Notifier) supersede(ctx context.Context, note alerts.Notification, ref string) {
	text, blocks := RenderSuperseded(note)
	for _, old := range earlierRefs(note) {
		if old == ref {
			continue
		}
		ch, ts, ok := strings.Cut(old, "/")
		if !ok {
			continue
		}
		_, _, _, err := n.api.UpdateMessageContext(ctx, ch, ts, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
		if _, err := n.classify("chat.update", err); err != nil {
			n.logger.Warn("could not mark an earlier Slack message superseded", "feature_view", note.FeatureView, "err", err)
		}
	}
}

// earlierRefs are the distinct references of the messages the note's
// alerts were last sent in, sorted.
func earlierRefs(note alerts.Notification) []string {
	var refs []string
	for _, l := range [][]alerts.Alert{note.Firing, note.Escalated, note.Repeated, note.Resolved} {
		for _, a := range l {
			if a.Ref != "" && !slices.Contains(refs, a.Ref) {
				refs = append(refs, a.Ref)
			}
		}
	}
	slices.Sort(refs)
	return refs
}

// updateResolved marks the messages the resolved alerts were last sent in
// as resolved. It reports whether every one was updated.
func (n *Notifier) updateResolved(ctx context.Context, note alerts.Notification, text string, blocks []slackapi.Block) bool {
	refs := map[string]bool{}
	for _, a := range note.Resolved {
		if a.Ref == "" {
			return false
		}
		refs[a.Ref] = true
	}
	for ref := range refs {
		ch, ts, ok := strings.Cut(ref, "/")
		if !ok {
			return false
		}
		_, _, _, err := n.api.UpdateMessageContext(ctx, ch, ts, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
		if _, err := n.classify("chat.update", err); err != nil {
			n.logger.Warn("could not mark the Slack message resolved; posting a new one",
				"feature_view", note.FeatureView, "err", err)
			return false
		}
	}
	return true
}

// channel routes by severity; a resolution goes where its alerts went.
func (n *Notifier) channel(note alerts.Notification) string {
	sev := note.Severity
	if !note.Active() {
		for _, a := range note.Resolved {
			if a.SentStatus == checks.Crit {
				sev = checks.Crit
			}
		}
	}
	key := "warn"
	if sev == checks.Crit {
		key = "crit"
	}
	if ch := n.opts.Channels[key]; ch != "" {
		return ch
	}
	return n.opts.Channel
}

// transientAPIErrors are the Web API error codes worth retrying.
var transientAPIErrors = map[string]bool{
	"ratelimited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true,
}

// classify turns a slack-go error into fsmon's retry decision and a
// redacted error naming the operation.
func (n *Notifier) classify(op string, err error) (bool, error) {
	if err == nil {
		return false, nil
	}
	var (
		num    *strconv.NumError
		rl     *slackapi.RateLimitedError
		status slackapi.StatusCodeError
		api    slackapi.SlackErrorResponse
		uerr   *url.Error
	)
	switch {
	case errors.As(err, &rl):
		return true, &alerts.RetryAfterError{After: rl.RetryAfter, Err: n.wrap(op, "HTTP 429", rl)}
	case errors.As(err, &status):
		return status.Code == http.StatusTooManyRequests || status.Code >= 500, n.wrap(op, "", status)
	case errors.As(err, &api):
		return transientAPIErrors[api.Err], n.wrap(op, "", api)
	case errors.As(err, &num):
		// a 429 whose Retry-After is not a number of seconds
		return true, n.wrap(op, "HTTP 429 with an unreadable Retry-After", nil)
	case errors.Is(err, context.Canceled):
		return true, n.wrap(op, "", context.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		return true, n.wrap(op, "", context.DeadlineExceeded)
	case errors.As(err, &uerr):
		// A network error: keep the cause, drop the URL (a webhook URL is the secret).
		return true, n.wrap(op, uerr.Op+": "+uerr.Err.Error(), nil)
	}
	return false, n.wrap(op, "", err)
}

// slackError is an error whose text has been redacted; it unwraps to the
// slack-go error types only, which hold no secrets.
type slackError struct {
	msg string
	err error
}

func (e *slackError) Error() string { return e.msg }
func (e *slackError) Unwrap() error { return e.err }

func (n *Notifier) wrap(op, text string, err error) error {
	if text == "" && err != nil {
		text = err.Error()
	}
	return &slackError{msg: n.redact("slack " + op + ": " + text), err: err}
}

func (n *Notifier) redact(s string) string {
	for _, secret := range n.secrets {
		s = strings.ReplaceAll(s, secret, "<redacted>")
	}
	return s
}

// bodyStatus adds the short plain-text body of an error response (a
// webhook's "invalid_payload", "channel_not_found") to its status line,
// because slack-go reports only the status of a non-200 response.
type bodyStatus struct{ rt http.RoundTripper }

func (b bodyStatus) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.rt.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	if code := errorCode(string(body)); code != "" {
		resp.Status = resp.Status + ": " + code
	}
	return resp, nil
}

// errorCode returns body when it looks like a Slack error code (a short
// word of lowercase letters, digits and underscores), else "".
func errorCode(body string) string {
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 64 {
		return ""
	}
	for _, r := range body {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return ""
		}
	}
	return body
}

// ErrWebhookNotChecked is what CheckAuth returns for an incoming webhook:
// the only way to check one is to post to it, which a check must not do.
var ErrWebhookNotChecked = errors.New("an incoming webhook cannot be checked without posting a message to its channel; only its form (an https:// URL) was checked")

// authHints explain auth.test's documented errors
// (https://api.slack.com/methods/auth.test).
var authHints = map[string]string{
	"invalid_auth":     "Slack does not accept the token (revoked, mistyped, or of another workspace)",
	"not_authed":       "no token reached Slack",
	"account_inactive": "the token's user or workspace has been deactivated",
	"token_revoked":    "the token has been revoked",
	"token_expired":    "the token has expired (rotate it)",
	"no_permission":    "the token lacks the permission to call auth.test",
}

// CheckAuth checks the bot token with Slack's auth.test method, which
// posts nothing, and returns the workspace ("team") and bot user it
// belongs to. A 429 is retried after its Retry-After (twice at most) when that
// fits before ctx's deadline. A webhook returns ErrWebhookNotChecked. Errors never hold
// the token.
func (n *Notifier) CheckAuth(ctx context.Context) (team, user string, err error) {
	if n.api == nil {
		return "", "", ErrWebhookNotChecked
	}
	for attempt := 1; ; attempt++ {
		resp, err := n.api.AuthTestContext(ctx)
		if err == nil {
			return resp.Team, resp.User, nil
		}
		var api slackapi.SlackErrorResponse
		if errors.As(err, &api) && authHints[api.Err] != "" {
			return "", "", n.wrap("auth.test", api.Err+": "+authHints[api.Err], api)
		}
		_, cerr := n.classify("auth.test", err)
		var ra *alerts.RetryAfterError
		if !errors.As(cerr, &ra) {
			return "", "", cerr
		}
		if attempt == 3 {
			return "", "", n.wrap("auth.test", fmt.Sprintf("rate limited (ratelimited) %d times in a row", attempt), ra)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < ra.After {
			return "", "", n.wrap("auth.test", fmt.Sprintf("rate limited (ratelimited); Slack asks to retry after %s, past the time left", ra.After), ra)
		}
		t := time.NewTimer(ra.After)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", "", n.wrap("auth.test", "rate limited (ratelimited), then "+ctx.Err().Error(), ctx.Err())
		case <-t.C:
		}
	}
}
