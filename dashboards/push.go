package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/grafana-tools/sdk"

	"github.com/fsmon/fsmon/config"
)

// Errors of Push that callers can match with errors.Is.
var (
	// ErrUnauthorized means Grafana rejected the token (HTTP 401).
	ErrUnauthorized = errors.New("grafana rejected the token")
	// ErrForbidden means the token lacks a permission (HTTP 403).
	ErrForbidden = errors.New("grafana token lacks permission")
	// ErrNotFound means Grafana answered 404 where fsmon expected an object.
	ErrNotFound = errors.New("grafana object not found")
)

// pushTimeout bounds each HTTP request of Push.
const pushTimeout = 30 * time.Second

// Push creates or updates the folder folderUID ("" means FolderUID) and
// the dashboards of Build(cfg) in the Grafana at grafanaURL, with token (an
// API or service-account token; "user:password" is sent as basic auth).
// It is idempotent: an existing folder is reused and dashboards are
// overwritten by UID. 401, 403 and 404 answers become errors wrapping
// ErrUnauthorized, ErrForbidden and ErrNotFound with Grafana's message;
// the token never appears in an error.
func Push(ctx context.Context, cfg *config.Config, grafanaURL, token string, folderUID string) error {
	boards, err := Build(cfg)
	if err != nil {
		return err
	}
	if folderUID == "" {
		folderUID = FolderUID
	}
	u, err := url.Parse(grafanaURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("push dashboards: grafana URL %q is not an http(s) URL", redactURL(grafanaURL))
	}
	host := u.Scheme + "://" + u.Host
	rec := &recorder{next: http.DefaultTransport}
	client, err := sdk.NewClient(grafanaURL, token, &http.Client{Transport: rec, Timeout: pushTimeout})
	if err != nil {
		return fmt.Errorf("push dashboards to %s: %w", host, err)
	}

	folder, err := client.GetFolderByUID(ctx, folderUID)
	if err != nil {
		status, msg := rec.last()
		if status != http.StatusNotFound {
			return apiError(host, fmt.Sprintf("get folder %q", folderUID), status, msg, err)
		}
		folder, err = client.CreateFolder(ctx, sdk.Folder{UID: folderUID, Title: FolderTitle})
		if err != nil {
			status, msg := rec.last()
			return apiError(host, fmt.Sprintf("create folder %q", folderUID), status, msg, err)
		}
	}
	for _, b := range boards {
		_, err := client.SetDashboard(ctx, *b, sdk.SetDashboardParams{FolderID: folder.ID, Overwrite: true})
		if err != nil {
			status, msg := rec.last()
			return apiError(host, fmt.Sprintf("save dashboard %q in folder %q (id %d)", b.UID, folderUID, folder.ID), status, msg, err)
		}
	}
	return nil
}

// apiError turns a failed call into an error naming the operation, the
// Grafana host, the status and Grafana's message.
func apiError(host, op string, status int, msg string, err error) error {
	if msg == "" {
		msg = http.StatusText(status)
	}
	switch status {
	case 0:
		return fmt.Errorf("%s on %s: %w", op, host, err)
	case http.StatusUnauthorized:
		return fmt.Errorf("%s on %s: %w (401 %s): check --grafana-token-file or GRAFANA_TOKEN", op, host, ErrUnauthorized, msg)
	case http.StatusForbidden:
		return fmt.Errorf("%s on %s: %w (403 %s): the token needs the Editor role or folder and dashboard write permissions", op, host, ErrForbidden, msg)
	case http.StatusNotFound:
		return fmt.Errorf("%s on %s: %w (404 %s)", op, host, ErrNotFound, msg)
	}
	if status >= 200 && status < 300 {
		return fmt.Errorf("%s on %s: unexpected answer: %w", op, host, err)
	}
	return fmt.Errorf("%s on %s: HTTP %d: %s", op, host, status, msg)
}

// recorder is the HTTP transport of Push's client: it remembers the status
// and Grafana's JSON "message" of the last answer, which the sdk only puts
// into error text.
type recorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	status int
	msg    string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.status, r.msg = 0, ""
	r.mu.Unlock()
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read answer of %s %s: %w", req.Method, req.URL.Path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var m struct {
		Message string `json:"message"`
	}
	msg := ""
	if json.Unmarshal(body, &m) == nil {
		msg = m.Message
	} else if resp.StatusCode >= 400 {
		msg = string(bytes.TrimSpace(body))
		if len(msg) > 200 {
			msg = msg[:200]
		}
	}
	r.mu.Lock()
	r.status, r.msg = resp.StatusCode, msg
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) last() (int, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.msg
}

// redactURL drops user information from a URL for error messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	u.User = nil
	return u.String()
}
