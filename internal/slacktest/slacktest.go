// Package slacktest is a fake Slack for tests: an httptest server that
// behaves like Slack's documented incoming webhooks and Web API methods
// (chat.postMessage, chat.update, auth.test), errors included. Slack itself
// cannot run here; this is the one fake every package's tests share.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// The secrets of the fake workspace. Tests assert they never show up in
// errors, logs or output.
const (
	WebhookPath = "/services/T0FSMON01/B0FSMON02/s3cr3tW3bh00kP4th"
	BotToken    = "xoxb-1234-5678-s3cr3tT0k3n"
)

// Request is one call the fake Slack received.
type Request struct {
	Method  string // "webhook", "chat.postMessage", "chat.update", "auth.test"
	Channel string
	TS      string
	Text    string
	Blocks  json.RawMessage
	At      time.Time
}

// Reply is a scripted answer: HTTP status, headers, body.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
}

// APIError is the Web API's answer to a failed call: HTTP 200 with
// {"ok":false,"error":code}.
func APIError(code string) Reply {
	return Reply{Status: 200, Header: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":false,"error":"` + code + `"}`}
}

// Slack behaves like Slack's documented APIs: incoming webhooks answer
// 200 "ok" or 4xx with a plain-text code; the Web API answers HTTP 200 with
// {"ok":false,"error":...} for API errors (invalid_auth, channel_not_found,
// message_not_found) and 429 with Retry-After when rate limited; auth.test
// answers ok with the workspace and bot user for BotToken and invalid_auth
// for any other token (not_authed for none). Scripted replies are served
// first, in order, for any endpoint.
type Slack struct {
	*httptest.Server
	mu       sync.Mutex
	script   []Reply
	requests []Request
	channels map[string]bool
	posted   map[string]bool // channel/ts of messages that exist
	nextTS   int
}

// New starts a fake Slack whose workspace has the given channels; it
// stops when tb ends.
func New(tb testing.TB, channels ...string) *Slack {
	f := &Slack{channels: map[string]bool{}, posted: map[string]bool{}, nextTS: 1}
	for _, c := range channels {
		f.channels[c] = true
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	return f
}

// WebhookURL is the workspace's incoming webhook.
func (f *Slack) WebhookURL() string { return f.URL + WebhookPath }

// APIURL is the Web API base, for slack-go's OptionAPIURL.
func (f *Slack) APIURL() string { return f.URL + "/api/" }

// Push scripts the next answers.
func (f *Slack) Push(r ...Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, r...)
}

// Calls returns the requests received so far.
func (f *Slack) Calls() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Reset forgets the requests received so far.
func (f *Slack) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

func (f *Slack) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	req := Request{At: time.Now()}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == WebhookPath:
		req.Method = "webhook"
		var msg struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
		}
		if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &msg) != nil || (msg.Text == "" && len(msg.Blocks) == 0) {
			f.requests = append(f.requests, req)
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		req.Text, req.Blocks = msg.Text, msg.Blocks
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/services/"):
		http.Error(w, "no_service", http.StatusNotFound)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/api/auth.test":
		req.Method = "auth.test"
		f.requests = append(f.requests, req)
		if len(f.script) > 0 {
			f.answer(w)
			return
		}
		switch token := token(r, body); token {
		case "":
			f.write(w, APIError("not_authed"))
		case BotToken:
			f.write(w, Reply{Status: 200, Body: `{"ok":true,"url":"https://fsmon-test.slack.com/","team":"fsmon test","user":"fsmon","team_id":"T0FSMON01","user_id":"U0FSMON03","bot_id":"B0FSMON04"}`})
		default:
			f.write(w, APIError("invalid_auth"))
		}
		return
	case r.Method == http.MethodPost && (r.URL.Path == "/api/chat.postMessage" || r.URL.Path == "/api/chat.update"):
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		req.Method = strings.TrimPrefix(r.URL.Path, "/api/")
		req.Channel, req.TS, req.Text = form.Get("channel"), form.Get("ts"), form.Get("text")
		req.Blocks = json.RawMessage(form.Get("blocks"))
		f.requests = append(f.requests, req)
		if len(f.script) > 0 {
			f.answer(w)
			return
		}
		switch {
		case token(r, body) != BotToken:
			f.write(w, APIError("invalid_auth"))
		case !f.channels[req.Channel]:
			f.write(w, APIError("channel_not_found"))
		case req.Method == "chat.update" && !f.posted[req.Channel+"/"+req.TS]:
			f.write(w, APIError("message_not_found"))
		case req.Method == "chat.update":
			f.write(w, Reply{Status: 200, Body: fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q,"text":%q}`, req.Channel, req.TS, req.Text)})
		default:
			ts := fmt.Sprintf("1700000000.%06d", f.nextTS)
			f.nextTS++
			f.posted[req.Channel+"/"+ts] = true
			f.write(w, Reply{Status: 200, Body: fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q,"message":{"text":%q}}`, req.Channel, ts, req.Text)})
		}
		return
	default:
		http.NotFound(w, r)
		return
	}
	f.requests = append(f.requests, req)
	if len(f.script) > 0 {
		f.answer(w)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok")
}

// token is the token of a Web API call: the form field, else the bearer
// header (Slack accepts either).
func token(r *http.Request, body []byte) string {
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("token") != "" {
		return form.Get("token")
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (f *Slack) answer(w http.ResponseWriter) {
	r := f.script[0]
	f.script = f.script[1:]
	f.write(w, r)
}

func (f *Slack) write(w http.ResponseWriter, r Reply) {
	for k, v := range r.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		if strings.HasPrefix(r.Body, "{") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/plain")
		}
	}
	w.WriteHeader(r.Status)
	io.WriteString(w, r.Body)
}
