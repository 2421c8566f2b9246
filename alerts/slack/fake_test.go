package slack

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
// errors or logs.
const (
	webhookPath = "/services/T0FSMON01/B0FSMON02/s3cr3tW3bh00kP4th"
	botToken    = "xoxb-1234-5678-s3cr3tT0k3n"
)

// request is one call the fake Slack received.
type request struct {
	Method  string // "webhook", "chat.postMessage", "chat.update"
	Channel string
	TS      string
	Text    string
	Blocks  json.RawMessage
	At      time.Time
}

// reply is a scripted answer: HTTP status, headers, body.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeSlack behaves like Slack's documented APIs: incoming webhooks answer
// 200 "ok" or 4xx with a plain-text code; the Web API answers HTTP 200 with
// {"ok":false,"error":...} for API errors (invalid_auth, channel_not_found,
// message_not_found) and 429 with Retry-After when rate limited. Scripted
// replies are served first, in order, for any endpoint.
type fakeSlack struct {
	*httptest.Server
	mu       sync.Mutex
	script   []reply
	requests []request
	channels map[string]bool
	posted   map[string]bool // channel/ts of messages that exist
	nextTS   int
}

func newFakeSlack(t *testing.T, channels ...string) *fakeSlack {
	f := &fakeSlack{channels: map[string]bool{}, posted: map[string]bool{}, nextTS: 1}
	for _, c := range channels {
		f.channels[c] = true
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSlack) webhookURL() string { return f.URL + webhookPath }
func (f *fakeSlack) apiURL() string     { return f.URL + "/api/" }

func (f *fakeSlack) push(r ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, r...)
}

func (f *fakeSlack) calls() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func (f *fakeSlack) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

func apiError(code string) reply {
	return reply{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: `{"ok":false,"error":"` + code + `"}`}
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	req := request{At: time.Now()}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == webhookPath:
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
	case r.Method == http.MethodPost && (r.URL.Path == "/api/chat.postMessage" || r.URL.Path == "/api/chat.update"):
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		req.Method = strings.TrimPrefix(r.URL.Path, "/api/")
		req.Channel, req.TS, req.Text = form.Get("channel"), form.Get("ts"), form.Get("text")
		req.Blocks = json.RawMessage(form.Get("blocks"))
		token := form.Get("token")
		if token == "" {
			token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		f.requests = append(f.requests, req)
		if len(f.script) > 0 {
			f.answer(w)
			return
		}
		switch {
		case token != botToken:
			f.write(w, apiError("invalid_auth"))
		case !f.channels[req.Channel]:
			f.write(w, apiError("channel_not_found"))
		case req.Method == "chat.update" && !f.posted[req.Channel+"/"+req.TS]:
			f.write(w, apiError("message_not_found"))
		case req.Method == "chat.update":
			f.write(w, reply{status: 200, body: fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q,"text":%q}`, req.Channel, req.TS, req.Text)})
		default:
			ts := fmt.Sprintf("1700000000.%06d", f.nextTS)
			f.nextTS++
			f.posted[req.Channel+"/"+ts] = true
			f.write(w, reply{status: 200, body: fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q,"message":{"text":%q}}`, req.Channel, ts, req.Text)})
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

func (f *fakeSlack) answer(w http.ResponseWriter) {
	r := f.script[0]
	f.script = f.script[1:]
	f.write(w, r)
}

func (f *fakeSlack) write(w http.ResponseWriter, r reply) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		if strings.HasPrefix(r.body, "{") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/plain")
		}
	}
	w.WriteHeader(r.status)
	io.WriteString(w, r.body)
}
