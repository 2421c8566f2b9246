package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fsmon/fsmon/deploy"
)

// fakeGrafana implements the documented endpoints Push uses
// (https://grafana.com/docs/grafana/latest/developers/http_api/folder/ and
// .../dashboard/) with Grafana's JSON error bodies.
type fakeGrafana struct {
	mu         sync.Mutex
	token      string // Bearer token with Editor rights
	viewer     string // Bearer token with Viewer rights: writes get 403
	folders    map[string]int
	nextID     int
	dashboards map[string]dashEntry // by uid
	calls      []string
}

type dashEntry struct {
	folderID int
	version  int
	title    string
}

func newFakeGrafana() *fakeGrafana {
	return &fakeGrafana{token: "editor-token", viewer: "viewer-token", folders: map[string]int{}, dashboards: map[string]dashEntry{}, nextID: 10}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (g *fakeGrafana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, r.Method+" "+r.URL.Path)
	auth := r.Header.Get("Authorization")
	switch auth {
	case "Bearer " + g.token:
	case "Bearer " + g.viewer:
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "Access denied"})
			return
		}
	default:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/folders/"):
		uid := strings.TrimPrefix(r.URL.Path, "/api/folders/")
		id, ok := g.folders[uid]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "folder not found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "uid": uid, "title": "fsmon"})
	case r.Method == http.MethodPost && r.URL.Path == "/api/folders":
		var body struct{ UID, Title string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Title == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "bad request data"})
			return
		}
		if _, ok := g.folders[body.UID]; ok {
			writeJSON(w, http.StatusConflict, map[string]string{"message": "a folder with the same uid already exists"})
			return
		}
		g.nextID++
		g.folders[body.UID] = g.nextID
		writeJSON(w, http.StatusOK, map[string]any{"id": g.nextID, "uid": body.UID, "title": body.Title})
	case r.Method == http.MethodPost && r.URL.Path == "/api/dashboards/db":
		var body struct {
			Dashboard struct {
				UID   string `json:"uid"`
				Title string `json:"title"`
			} `json:"dashboard"`
			FolderID  int  `json:"folderId"`
			Overwrite bool `json:"overwrite"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Dashboard.Title == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "bad request data"})
			return
		}
		known := false
		for _, id := range g.folders {
			known = known || id == body.FolderID
		}
		if !known {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "folder not found"})
			return
		}
		old, exists := g.dashboards[body.Dashboard.UID]
		if exists && !body.Overwrite {
			writeJSON(w, http.StatusPreconditionFailed, map[string]string{"message": "A dashboard with the same uid already exists", "status": "name-exists"})
			return
		}
		e := dashEntry{folderID: body.FolderID, version: old.version + 1, title: body.Dashboard.Title}
		g.dashboards[body.Dashboard.UID] = e
		writeJSON(w, http.StatusOK, map[string]any{"id": 1, "uid": body.Dashboard.UID, "status": "success", "version": e.version, "url": "/d/" + body.Dashboard.UID, "slug": "x"})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	}
}

func TestPushCreatesFolderAndIsIdempotent(t *testing.T) {
	g := newFakeGrafana()
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx := context.Background()
	cfg := deploy.ExampleConfig()

	if err := Push(ctx, cfg, srv.URL, g.token, "fsmon-prod"); err != nil {
		t.Fatal(err)
	}
	if err := Push(ctx, cfg, srv.URL, g.token, "fsmon-prod"); err != nil {
		t.Fatalf("second push: %v", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.folders) != 1 || g.folders["fsmon-prod"] == 0 {
		t.Fatalf("folders %v, want one fsmon-prod", g.folders)
	}
	creates := 0
	for _, c := range g.calls {
		if c == "POST /api/folders" {
			creates++
		}
	}
	if creates != 1 {
		t.Errorf("POST /api/folders %d times, want once (calls %v)", creates, g.calls)
	}
	want := map[string]string{"fsmon-overview": "fsmon / Overview", "fsmon-view": "fsmon / Feature view"}
	if len(g.dashboards) != len(want) {
		t.Fatalf("dashboards %v", g.dashboards)
	}
	for uid, title := range want {
		d := g.dashboards[uid]
		if d.folderID != g.folders["fsmon-prod"] || d.version != 2 || d.title != title {
			t.Errorf("dashboard %s = %+v, want folder %d, version 2, title %q", uid, d, g.folders["fsmon-prod"], title)
		}
	}
}

func TestPushErrors(t *testing.T) {
	ctx := context.Background()
	cfg := deploy.ExampleConfig()
	for _, tc := range []struct {
		name, token string
		setup       func(*fakeGrafana)
		is          error
		contains    []string
	}{
		{name: "bad token", token: "s3cret-wrong", is: ErrUnauthorized, contains: []string{`get folder "fsmon"`, "401 Unauthorized", "GRAFANA_TOKEN"}},
		{name: "viewer token", token: "viewer-token", is: ErrForbidden, contains: []string{`create folder "fsmon"`, "403 Access denied"}},
		{name: "existing folder reused", token: "editor-token", setup: func(g *fakeGrafana) { g.folders["fsmon"] = 5; g.nextID = 5 },
			is: nil, contains: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGrafana()
			if tc.setup != nil {
				tc.setup(g)
			}
			srv := httptest.NewServer(g)
			defer srv.Close()
			err := Push(ctx, cfg, srv.URL, tc.token, "")
			if tc.is == nil {
				if err != nil {
					t.Fatalf("push into an existing folder: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want errors.Is %v", err, tc.is)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Errorf("error %q leaks the token", err)
			}
		})
	}
}

// TestPushFolderNotFound: Grafana answers 404 "folder not found" when the
// folder id sent with a dashboard does not exist (deleted between calls).
func TestPushFolderNotFound(t *testing.T) {
	g := newFakeGrafana()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/dashboards/db" {
			g.mu.Lock()
			g.folders = map[string]int{} // deleted after the folder lookup
			g.mu.Unlock()
		}
		g.ServeHTTP(w, r)
	}))
	defer srv.Close()
	g.folders["fsmon"] = 7
	err := Push(context.Background(), deploy.ExampleConfig(), srv.URL, g.token, "fsmon")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "folder not found") || !strings.Contains(err.Error(), `save dashboard "fsmon-overview"`) {
		t.Fatalf("err = %v, want ErrNotFound naming the dashboard and Grafana's message", err)
	}
}

func TestPushUnreachableAndBadURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	err := Push(context.Background(), deploy.ExampleConfig(), addr, "tok", "")
	if err == nil || !strings.Contains(err.Error(), `get folder "fsmon" on `+addr) {
		t.Fatalf("err = %v, want one naming the operation and host", err)
	}
	err = Push(context.Background(), deploy.ExampleConfig(), "grafana:3000", "tok", "")
	if err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Fatalf("err = %v", err)
	}
}
