package alerts

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/metrics"
)

// hangingNotifier blocks every Notify until release is closed or the
// context ends, like a webhook that accepts the connection and never
// answers. It records the feature views it was asked to notify.
type hangingNotifier struct {
	release chan struct{}
	started chan string
	mu      sync.Mutex
	views   []string
}

func (h *hangingNotifier) Name() string { return "hang" }

func (h *hangingNotifier) Notify(ctx context.Context, n Notification) (string, bool, error) {
	h.mu.Lock()
	h.views = append(h.views, n.FeatureView)
	h.mu.Unlock()
	h.started <- n.FeatureView
	select {
	case <-h.release:
		return "ref", false, nil
	case <-ctx.Done():
		return "", true, ctx.Err()
	}
}

func (h *hangingNotifier) notified() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.views...)
}

func newHangingQueue(t *testing.T, size int) (*Queue, *Dispatcher, *hangingNotifier, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h := &hangingNotifier{release: make(chan struct{}), started: make(chan string, 100)}
	d, err := NewDispatcher(mustOpen(t, "", Options{}), h, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := NewQueue(size, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q, d, h, reg
}

func crit(views ...string) []checks.Result {
	var rs []checks.Result
	for _, v := range views {
		rs = append(rs, res(checks.KindCoverage, v, "", checks.Crit))
	}
	return rs
}

func TestQueueEnqueueNeverWaitsForTheNotifier(t *testing.T) {
	q, d, h, _ := newHangingQueue(t, 2)
	defer q.Stop(context.Background())

	notes := d.State.Update(crit("a", "b", "c", "d"), t0)
	if len(notes) != 4 {
		t.Fatalf("%d notes, want 4", len(notes))
	}
	q.Enqueue(d, notes[:1])
	if v := <-h.started; v != "a" {
		t.Fatalf("delivering %q, want a", v)
	}
	// The notifier hangs on a. Enqueue still returns at once; the queue
	// (size 2) takes b and c and drops d.
	done := make(chan struct{})
	go func() {
		q.Enqueue(d, notes[1:])
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Enqueue blocked on a hanging notifier")
	}
	if n := q.Len(); n != 3 {
		t.Errorf("queue length %d, want 3 (a in flight, b and c waiting)", n)
	}
	if got := testutil.ToFloat64(q.length); got != 3 {
		t.Errorf("%s = %v, want 3", metrics.NotificationQueueLength, got)
	}
	if got := testutil.ToFloat64(q.dropped.WithLabelValues("hang")); got != 1 {
		t.Errorf("%s = %v, want 1", metrics.NotificationsDropped, got)
	}
	// The dropped d comes back with the next run; a, b, c are in flight
	// and are not produced twice.
	again := d.State.Update(crit("a", "b", "c", "d"), t0.Add(time.Minute))
	if len(again) != 1 || again[0].FeatureView != "d" {
		t.Fatalf("next update: %+v, want only d again", again)
	}

	close(h.release)
	waitUntil(t, func() bool { return q.Len() == 0 })
	q.Enqueue(d, again)
	waitUntil(t, func() bool { return q.Len() == 0 })
	if got, want := h.notified(), []string{"a", "b", "c", "d"}; !equalStrings(got, want) {
		t.Errorf("notified %v, want %v", got, want)
	}
	if got := testutil.ToFloat64(d.sent.WithLabelValues("hang", ResultSuccess)); got != 4 {
		t.Errorf("delivered %v, want 4", got)
	}
}

func TestQueueStopCancelsAHangingDelivery(t *testing.T) {
	q, d, h, _ := newHangingQueue(t, 0)
	q.Enqueue(d, d.State.Update(crit("a", "b"), t0))
	<-h.started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stopped := make(chan struct{})
	go func() { q.Stop(ctx); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return after its context ended")
	}
	if got := testutil.ToFloat64(d.sent.WithLabelValues("hang", ResultFailure)); got != 1 {
		t.Errorf("failures %v, want 1 (the delivery cut short)", got)
	}
	if got := h.notified(); len(got) != 1 {
		t.Errorf("notified %v after stop, want only the one in flight", got)
	}
	if q.Len() != 0 || testutil.ToFloat64(q.length) != 0 {
		t.Errorf("queue not emptied by Stop: %d", q.Len())
	}
	// A stopped queue takes nothing more; what it did not deliver comes
	// back with the next Update.
	q.Enqueue(d, d.State.Update(crit("c"), t0))
	if q.Len() != 0 {
		t.Errorf("stopped queue accepted a notification")
	}
	if again := d.State.Update(crit("a", "b", "c"), t0.Add(time.Minute)); len(again) != 3 {
		t.Errorf("after stop, %d views notified again, want 3", len(again))
	}
}

func TestQueueSavesStateAfterDelivery(t *testing.T) {
	path := t.TempDir() + "/alerts.json"
	st := mustOpen(t, path, Options{})
	h := &hangingNotifier{release: make(chan struct{}), started: make(chan string, 10)}
	close(h.release)
	d, err := NewDispatcher(st, h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := NewQueue(0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	notes := st.Update([]checks.Result{res(checks.KindCoverage, "v", "", checks.Crit)}, t0)
	if len(notes) != 1 {
		t.Fatalf("%d notes", len(notes))
	}
	q.Enqueue(d, notes)
	waitUntil(t, func() bool { return q.Len() == 0 })
	again := mustOpen(t, path, Options{})
	as := again.Alerts()
	if len(as) != 1 || as[0].SentStatus == 0 {
		t.Fatalf("state file after delivery: %+v", as)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
