package slack

import (
	"testing"

	"github.com/fsmon/fsmon/internal/slacktest"
)

// The fake Slack is internal/slacktest's, shared with the other packages'
// tests; these names keep this package's tests short.
const (
	webhookPath = slacktest.WebhookPath
	botToken    = slacktest.BotToken
)

type request = slacktest.Request

// reply is a scripted answer: HTTP status, headers, body.
type reply struct {
	status int
	header map[string]string
	body   string
}

func apiError(code string) reply {
	r := slacktest.APIError(code)
	return reply{status: r.Status, header: r.Header, body: r.Body}
}

type fakeSlack struct{ *slacktest.Slack }

func newFakeSlack(t *testing.T, channels ...string) *fakeSlack {
	return &fakeSlack{slacktest.New(t, channels...)}
}

func (f *fakeSlack) webhookURL() string { return f.WebhookURL() }
func (f *fakeSlack) apiURL() string     { return f.APIURL() }
func (f *fakeSlack) calls() []request   { return f.Calls() }
func (f *fakeSlack) reset()             { f.Reset() }

func (f *fakeSlack) push(rs ...reply) {
	for _, r := range rs {
		f.Push(slacktest.Reply{Status: r.status, Header: r.header, Body: r.body})
	}
}
