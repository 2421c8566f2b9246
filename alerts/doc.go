// Package alerts turns check results into notifications: it keeps one alert
// per result identity (check, project, feature view, feature, store), decides
// when an alert fires, repeats, escalates and resolves, groups what changed
// into one Notification per feature view, and delivers notifications through
// a Notifier with retries, recording what was delivered so that a restart
// neither repeats nor loses an alert.
//
// The pipeline follows Alertmanager's notify stages:
//
//	State.Update (state + dedup) → Dispatcher.Deliver (retry) → State.MarkSent (record) → State.Save
//
// In the daemon a Queue sits between Update and Deliver: the view's run
// decides (Update) and enqueues; the queue's goroutine delivers, records and
// saves, so a hanging notifier never holds a run.
//
// Transitions of one alert, at each Update with a result for its key:
//
//   - ok, no alert: nothing.
//   - warn, crit or error, no alert: the alert starts pending at now (Since).
//     It fires once it has been bad for Options.For (at once when For is 0).
//   - firing and never delivered: listed in Notification.Firing.
//   - firing and worse than what was delivered (warn or error → crit):
//     listed in Notification.Escalated. A lower status is not notified on
//     its own; the next message shows it.
//   - firing, delivered, and RepeatInterval has passed since the last
//     delivery: the view's notification is due. Whenever a view has a
//     notification, every delivered alert of the view still firing is
//     listed in Notification.Repeated, so a message always shows the
//     whole view.
//   - ok while delivered: listed in Notification.Resolved until the
//     resolution is delivered, then forgotten. An alert that goes back to
//     ok before it was ever delivered (still pending, or its firing message
//     failed) is forgotten silently.
//
// A key with no result in a cycle (its view was not checked, or the store
// was skipped) keeps its state: absence never resolves an alert. A key
// whose check no longer exists (its view, feature or offline store was
// removed from the config or the Feast registry) is resolved by
// State.Retire, which the daemon calls at start and after every reload:
// one "resolved" message with Alert.Removed set, or nothing when the
// alert was never delivered.
//
// Deciding and delivering are apart. Update and Retire mark the alerts of
// the notifications they return as in flight; until MarkSent or
// MarkFailed, no other Update lists them, so two runs of one view (an old
// config generation finishing while the new one starts, or a delivery
// queue) never deliver one alert twice.
//
// Results with status error (the check could not run) alert like warn: they
// say "check could not run" and are grouped with the view's other problems.
// They escalate to crit like warn does. Error texts are not copied into
// alerts, because notifications must never carry entity keys or values.
//
// Results with status insufficient (a sample below the check's
// min_sample) are no verdict: they neither start nor resolve an alert, so
// a few rows never page and a firing problem is not declared fixed by a
// sample too small to tell. A long-lasting insufficient sample is raised by
// the FsmonSampleInsufficient Prometheus rule (warning), not by Slack.
package alerts
