package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsmon/fsmon/metrics"
)

// DefaultQueueSize is how many notifications a Queue holds before it drops
// new ones. The State puts an alert in at most one notification at a time,
// so this is reached only with that many views waiting at once.
const DefaultQueueSize = 1000

// Queue delivers notifications in the background, one at a time, so that a
// slow, failing or hanging notifier never delays the checks: a view's run
// decides what to say (State.Update) and hands the result to Enqueue, which
// never blocks. Delivery (retries and backoff of the Dispatcher, MarkSent,
// Save) happens on the queue's own goroutine.
//
// Notifications are delivered in the order they were queued. While one is
// waiting or being sent its alerts are in flight in the State, so the
// view's later Updates do not produce them again. When the queue is full,
// new notifications are dropped (MarkFailed), logged and counted; the view's
// next Update produces them again.
type Queue struct {
	log  *slog.Logger
	size int

	mu       sync.Mutex
	items    []queued
	inflight bool
	closed   bool
	wake     chan struct{}

	length  prometheus.Gauge
	dropped *prometheus.CounterVec

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

type queued struct {
	d *Dispatcher
	n Notification
}

// NewQueue returns a started Queue holding up to size notifications
// (DefaultQueueSize when size <= 0). It counts
// fsmon_notification_queue_length and fsmon_notifications_dropped_total in
// reg (which may be nil).
func NewQueue(size int, reg prometheus.Registerer, log *slog.Logger) (*Queue, error) {
	if size <= 0 {
		size = DefaultQueueSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{
		log: log, size: size, wake: make(chan struct{}, 1), done: make(chan struct{}),
		length: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metrics.NotificationQueueLength,
			Help: "Notifications waiting for delivery, including the one being delivered.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metrics.NotificationsDropped,
			Help: "Notifications dropped because the delivery queue was full, by notifier; they are produced again by the view's next run.",
		}, []string{metrics.LabelNotifier}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{q.length, q.dropped} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register notification queue metrics: %w", err)
			}
		}
	}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	go q.run()
	return q, nil
}

// Enqueue queues notes for delivery through d and returns at once.
func (q *Queue) Enqueue(d *Dispatcher, notes []Notification) {
	q.dropped.WithLabelValues(d.Notifier.Name())
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, n := range notes {
		if q.closed {
			d.State.MarkFailed(n)
			continue
		}
		if len(q.items) >= q.size {
			d.State.MarkFailed(n)
			q.dropped.WithLabelValues(d.Notifier.Name()).Inc()
			q.log.Warn("notification queue full; dropping a notification until the view's next run",
				"notifier", d.Notifier.Name(), "project", n.Project, "feature_view", n.FeatureView, "queue_size", q.size)
			continue
		}
		q.items = append(q.items, queued{d, n})
	}
	q.updateLength()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Len returns how many notifications wait, including one in flight.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.lenLocked()
}

func (q *Queue) lenLocked() int {
	n := len(q.items)
	if q.inflight {
		n++
	}
	return n
}

func (q *Queue) updateLength() { q.length.Set(float64(q.lenLocked())) }

// next takes the first waiting notification; ok is false when the queue is
// empty.
func (q *Queue) next() (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return queued{}, false
	}
	it := q.items[0]
	q.items = q.items[1:]
	q.inflight = true
	return it, true
}

func (q *Queue) finished() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight = false
	q.updateLength()
}

func (q *Queue) run() {
	defer close(q.done)
	for {
		for q.ctx.Err() == nil {
			it, ok := q.next()
			if !ok {
				break
			}
			// Deliver logs and counts its failures itself.
			_ = it.d.Deliver(q.ctx, []Notification{it.n})
			if err := it.d.State.Save(); err != nil {
				q.log.Error("alert state not saved", "err", err)
			}
			q.finished()
		}
		q.mu.Lock()
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return
		}
		select {
		case <-q.wake:
		case <-q.ctx.Done():
			return
		}
	}
}

// Stop stops accepting notifications and delivers those waiting until ctx
// ends; then it cancels the delivery in flight and returns. Notifications
// not delivered are marked failed: the first run after a restart produces
// them again (the state file says they were not sent).
func (q *Queue) Stop(ctx context.Context) {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	select {
	case <-q.done:
	case <-ctx.Done():
		q.cancel()
		<-q.done
	}
	q.cancel()
	q.mu.Lock()
	left := q.items
	q.items = nil
	q.updateLength()
	q.mu.Unlock()
	saved := map[*State]bool{}
	for _, it := range left {
		it.d.State.MarkFailed(it.n)
		if !saved[it.d.State] {
			saved[it.d.State] = true
			if err := it.d.State.Save(); err != nil {
				q.log.Error("alert state not saved", "err", err)
			}
		}
	}
}
