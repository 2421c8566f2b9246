package slack

import (
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/fsmon/fsmon/alerts"
	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/present"
)

// maxAlertBlocks caps the alert sections of one message below Slack's limit
// of 50 blocks; the rest are counted in a final line.
const maxAlertBlocks = 40

// Links are the URLs a message points to; empty ones are left out.
type Links struct {
	Dashboard string
	Status    string
}

// Render returns the fallback text and the Block Kit blocks of a
// notification. The message says, per alert, which check on which feature
// and store, how bad (value against threshold), and since when. It carries
// only check names, feature names and the aggregate numbers of the
// results: never entity keys, feature values or result messages.
func Render(n alerts.Notification, l Links) (string, []slackapi.Block) {
	title := n.FeatureView + " — " + headline(n)
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, truncate(emoji(n)+" "+title, 150), true, false)),
		slackapi.NewContextBlock("", slackapi.NewTextBlockObject(slackapi.MarkdownType,
			fmt.Sprintf("Project *%s* · feature view *%s* · %s", esc(n.Project), esc(n.FeatureView), counts(n)), false, false)),
	}
	shown, hidden := 0, 0
	for _, g := range []struct {
		title string
		list  []alerts.Alert
	}{{"New", n.Firing}, {"Escalated", n.Escalated}, {"Still firing", n.Repeated}, {"Resolved", n.Resolved}} {
		if len(g.list) == 0 {
			continue
		}
		if shown >= maxAlertBlocks {
			hidden += len(g.list)
			continue
		}
		blocks = append(blocks, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, "*"+g.title+"*", false, false), nil, nil))
		for _, a := range g.list {
			if shown >= maxAlertBlocks {
				hidden++
				continue
			}
			shown++
			blocks = append(blocks, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, alertText(a, n.At), false, false), nil, nil))
		}
	}
	if hidden > 0 {
		blocks = append(blocks, slackapi.NewContextBlock("", slackapi.NewTextBlockObject(slackapi.MarkdownType,
			fmt.Sprintf("…and %d more; see the status page.", hidden), false, false)))
	}
	var buttons []slackapi.BlockElement
	if l.Dashboard != "" {
		buttons = append(buttons, slackapi.NewButtonBlockElement("dashboard", "", slackapi.NewTextBlockObject(slackapi.PlainTextType, "Grafana dashboard", false, false)).WithURL(l.Dashboard))
	}
	if l.Status != "" {
		buttons = append(buttons, slackapi.NewButtonBlockElement("status", "", slackapi.NewTextBlockObject(slackapi.PlainTextType, "Status page", false, false)).WithURL(l.Status))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slackapi.NewActionBlock("links", buttons...))
	}
	text := fmt.Sprintf("%s %s (%s): %s", headline(n), n.FeatureView, n.Project, counts(n))
	return text, blocks
}

// RenderSuperseded is what an earlier message of a view's alerts becomes
// when a newer message about them is posted (an escalation, a repeat, or
// a resolution that could not update in place): it says when and by what
// it was superseded, so it never keeps saying "firing".
func RenderSuperseded(n alerts.Notification) (string, []slackapi.Block) {
	when := fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", n.At.Unix(), n.At.UTC().Format("2006-01-02 15:04 UTC"))
	now := headline(n)
	if len(n.Escalated) > 0 {
		now = "escalated to " + now
	}
	text := fmt.Sprintf("superseded: %s %s (%s) is now %s; see the newer message", n.FeatureView, n.Project, counts(n), now)
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, truncate(":arrow_down: "+n.FeatureView+" — superseded", 150), true, false)),
		slackapi.NewContextBlock("", slackapi.NewTextBlockObject(slackapi.MarkdownType,
			fmt.Sprintf("Project *%s* · feature view *%s*: %s at %s (%s). The newer message below is current.", esc(n.Project), esc(n.FeatureView), now, when, counts(n)), false, false)),
	}
	return text, blocks
}

func headline(n alerts.Notification) string {
	if !n.Active() {
		return "RESOLVED"
	}
	if n.Severity == checks.Error {
		return "CHECK ERROR"
	}
	return strings.ToUpper(n.Severity.String())
}

func emoji(n alerts.Notification) string {
	if !n.Active() {
		return ":white_check_mark:"
	}
	switch n.Severity {
	case checks.Crit:
		return ":red_circle:"
	case checks.Warn:
		return ":warning:"
	}
	return ":grey_question:"
}

func counts(n alerts.Notification) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{len(n.Firing), "new"}, {len(n.Escalated), "escalated"}, {len(n.Repeated), "still firing"}, {len(n.Resolved), "resolved"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(parts, ", ")
}

// alertText is one alert's section: what, where, how bad, since when.
func alertText(a alerts.Alert, at time.Time) string {
	var b strings.Builder
	b.WriteString("*" + esc(a.Check) + "*")
	if a.Feature != "" {
		b.WriteString(" of `" + esc(a.Feature) + "`")
	}
	if a.Store != "" {
		b.WriteString(" (" + esc(a.Store) + ")")
	}
	switch {
	case a.Removed:
		b.WriteString(" — no longer checked (removed from the config)")
	case a.Resolved:
		b.WriteString(" — back to ok")
	default:
		b.WriteString(" — *" + a.Status.String() + "*")
	}
	b.WriteString("\n" + describe(a))
	since := fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", a.Since.Unix(), a.Since.UTC().Format("2006-01-02 15:04 UTC"))
	if a.Resolved {
		fmt.Fprintf(&b, "\nwas bad since %s, for %s", since, checks.HumanDuration(at.Sub(a.Since).Seconds()))
	} else {
		fmt.Fprintf(&b, "\nsince %s (%s)", since, checks.HumanDuration(at.Sub(a.Since).Seconds()))
	}
	return b.String()
}

// describe is the alert's number against its thresholds, as every
// rendering of a result shows it (package present): a duration for
// freshness, percents for ratios, and for skew each statistic the verdict
// rests on with the rule over them, never KS D next to PSI's thresholds.
func describe(a alerts.Alert) string {
	if a.Status == checks.Error {
		return "the check could not run; the reason is on the status page"
	}
	p := present.Of(checks.Result{Check: a.Check, Status: a.Status, Value: a.Value, Threshold: a.Threshold, Tests: a.Tests})
	s := "no value"
	switch {
	case p.Value != "" && (a.Check == checks.KindSkew || a.Check == checks.KindDrift):
		s = p.Value
	case p.Value != "":
		s = p.Quantity + " " + p.Value
	}
	if p.Threshold != "" {
		s += " · threshold " + p.Threshold
	}
	return esc(s)
}

// esc escapes the characters Slack's mrkdwn treats as control characters.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
