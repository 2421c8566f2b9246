package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"time"

	"github.com/fsmon/fsmon/internal/pqwrite"
)

// kind is a feature's type in the demo (named as in fsmon's config).
type kind string

const (
	kFloat32 kind = "float32"
	kFloat64 kind = "float64"
	kInt64   kind = "int64"
	kString  kind = "string"
)

type feature struct {
	name string
	kind kind
	// gen draws a value for an entity at a time; shifted is true for the
	// demo's drifting period. ok false means null.
	gen func(r *rand.Rand, entity int64, shifted bool) (v any, ok bool)
}

// view is one demo feature view and the fault it shows.
type view struct {
	name, description string
	entity            string // join key (int64 ids, or string zone ids when zones is set)
	zones             []string
	entities          int
	ttl               time.Duration
	features          []feature
	// faults
	staleBy      time.Duration // online rows stop this long before now
	missingShare float64       // share of entities never written online
	driftSince   time.Duration // values drift over the last driftSince
	// history is how far back the offline store goes (default 7 days).
	history time.Duration
	// rampSince starts a slow drift: ramp draws feature k's value given
	// the days since then (0 before), so values move a little every day.
	rampSince time.Duration
	ramp      func(r *rand.Rand, k int, rampDays float64) any
	// reference is the pinned reference written into the demo's config
	// for this view: the offline time range [now-reference[0],
	// now-reference[1]] (the "training" days), or nothing.
	reference [2]time.Duration
}

// row is one event of one entity.
type row struct {
	entity string // canonical text
	id     int64
	ts     time.Time
	values []any // nil = null
}

func entityText(v *view, i int) (string, int64) {
	if len(v.zones) > 0 {
		return v.zones[i%len(v.zones)] + fmt.Sprintf("_%03d", i/len(v.zones)), 0
	}
	id := int64(1000 + i)
	return fmt.Sprint(id), id
}

// rows makes the offline history of a view: one row per entity every
// `every` over the last week, newest first per entity, and the online rows
// (the newest row per entity at or before now − staleBy).
func (v *view) rows(now time.Time, seed uint64) (offline, online []row) {
	r := rand.New(rand.NewPCG(seed, 7))
	every := 6 * time.Hour
	history := v.history
	if history == 0 {
		history = 7 * 24 * time.Hour
	}
	start := now.Add(-history)
	for i := 0; i < v.entities; i++ {
		text, id := entityText(v, i)
		// Each entity has its own phase so timestamps spread over the hour.
		phase := time.Duration(r.Int64N(int64(every)))
		var last *row
		for t := start.Add(phase); !t.After(now.Add(-time.Minute)); t = t.Add(every) {
			shifted := v.driftSince > 0 && now.Sub(t) <= v.driftSince
			vals := make([]any, len(v.features))
			for k, f := range v.features {
				if v.ramp != nil {
					days := max(0, float64(t.Sub(now.Add(-v.rampSince)))/float64(24*time.Hour))
					vals[k] = v.ramp(r, k, days)
					continue
				}
				if x, ok := f.gen(r, id, shifted); ok {
					vals[k] = x
				}
			}
			rw := row{entity: text, id: id, ts: t.Truncate(time.Microsecond), values: vals}
			offline = append(offline, rw)
			if now.Sub(t) >= v.staleBy {
				last = &offline[len(offline)-1]
			}
		}
		if last != nil && r.Float64() >= v.missingShare {
			online = append(online, *last)
		}
	}
	sort.Slice(offline, func(i, j int) bool { return offline[i].ts.Before(offline[j].ts) })
	return offline, online
}

func normal(r *rand.Rand, mean, sd float64) float64 { return mean + sd*r.NormFloat64() }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// views are the demo's feature views: one healthy, one stale, one with a
// null-rate problem, one skewed, one with entities missing online, and one
// drifting so slowly that only a pinned reference sees it.
func views() []*view {
	tiers := []string{"bronze", "silver", "gold", "platinum"}
	devices := []string{"ios", "android", "web"}
	weather := []string{"clear", "rain", "snow", "fog"}
	zones := []string{"sf_mission", "sf_soma", "sf_marina", "oak_downtown", "sjc_airport", "berkeley"}
	return []*view{
		{
			name: "driver_hourly_stats", description: "healthy", entity: "driver_id", entities: 800, ttl: 24 * time.Hour,
			features: []feature{
				{"conv_rate", kFloat32, func(r *rand.Rand, _ int64, _ bool) (any, bool) {
					return float32(clamp(normal(r, 0.62, 0.12), 0, 1)), true
				}},
				{"acc_rate", kFloat32, func(r *rand.Rand, _ int64, _ bool) (any, bool) {
					return float32(clamp(normal(r, 0.91, 0.05), 0, 1)), true
				}},
				{"avg_daily_trips", kInt64, func(r *rand.Rand, _ int64, _ bool) (any, bool) { return int64(r.IntN(40) + 5), true }},
			},
		},
		{
			name: "customer_profile", description: "stale: materialization stopped 3 days ago", entity: "customer_id", entities: 600, ttl: 24 * time.Hour,
			staleBy: 72 * time.Hour,
			features: []feature{
				{"current_balance", kFloat64, func(r *rand.Rand, _ int64, _ bool) (any, bool) {
					return math.Round(math.Exp(normal(r, 4, 1))*100) / 100, true
				}},
				{"lifetime_trips", kInt64, func(r *rand.Rand, _ int64, _ bool) (any, bool) { return int64(r.IntN(500)), true }},
				{"membership_tier", kString, func(r *rand.Rand, _ int64, _ bool) (any, bool) { return tiers[r.IntN(len(tiers))], true }},
			},
		},
		{
			name: "driver_ratings", description: "null rate: the ratings pipeline writes nulls", entity: "driver_id", entities: 800, ttl: 48 * time.Hour,
			features: []feature{
				{"rating_avg", kFloat64, func(r *rand.Rand, _ int64, _ bool) (any, bool) {
					if r.Float64() < 0.12 {
						return nil, false
					}
					return clamp(normal(r, 4.7, 0.2), 1, 5), true
				}},
				{"cancel_rate", kFloat64, func(r *rand.Rand, _ int64, _ bool) (any, bool) { return clamp(normal(r, 0.04, 0.02), 0, 1), true }},
			},
		},
		{
			name: "zone_demand", description: "skewed: demand shifted in the last day", entity: "zone_id", zones: zones, entities: 600, ttl: 12 * time.Hour,
			driftSince: 18 * time.Hour,
			features: []feature{
				{"surge_multiplier", kFloat64, func(r *rand.Rand, _ int64, s bool) (any, bool) {
					if s {
						return math.Round(clamp(normal(r, 1.9, 0.4), 1, 5)*100) / 100, true
					}
					return math.Round(clamp(normal(r, 1.2, 0.2), 1, 5)*100) / 100, true
				}},
				{"open_requests", kInt64, func(r *rand.Rand, _ int64, s bool) (any, bool) {
					if s {
						return int64(r.IntN(120) + 60), true
					}
					return int64(r.IntN(80) + 20), true
				}},
				{"weather", kString, func(r *rand.Rand, _ int64, s bool) (any, bool) {
					if s && r.Float64() < 0.6 {
						return "rain", true
					}
					return weather[r.IntN(len(weather))], true
				}},
			},
		},
		{
			name: "payment_risk", description: "coverage: a fifth of the customers never reached the online store", entity: "customer_id", entities: 600, ttl: 24 * time.Hour,
			missingShare: 0.2,
			features: []feature{
				{"chargeback_rate", kFloat64, func(r *rand.Rand, _ int64, _ bool) (any, bool) { return clamp(normal(r, 0.01, 0.005), 0, 1), true }},
				{"device_type", kString, func(r *rand.Rand, _ int64, _ bool) (any, bool) { return devices[r.IntN(len(devices))], true }},
			},
		},
		{
			// eta_error_min's mean rises by 0.035 standard deviations a
			// day for 14 days: against the last 7 days (drift) the online
			// values differ by KS D ≈ 0.05, below min_statistic; against
			// the training days 21 to 14 days ago (skew, the pinned
			// reference) by D ≈ 0.2.
			name: "trip_eta", description: "slow drift: 14 days of creep that the rolling 7d window misses and the pinned training reference catches",
			entity: "driver_id", entities: 800, ttl: 24 * time.Hour,
			history: 21 * 24 * time.Hour, rampSince: 14 * 24 * time.Hour,
			reference: [2]time.Duration{21 * 24 * time.Hour, 14 * 24 * time.Hour},
			features:  []feature{{"eta_error_min", kFloat64, nil}, {"pickup_distance_km", kFloat64, nil}},
			ramp: func(r *rand.Rand, k int, days float64) any {
				if k == 0 {
					return normal(r, 2+0.035*1.5*days, 1.5)
				}
				return math.Round(clamp(normal(r, 1.8, 0.6), 0.1, 10)*100) / 100
			},
		},
	}
}

// writeParquet writes a view's offline rows as one file per day
// (<view>/date=YYYY-MM-DD/part-0.parquet, hive-style) under dir.
func writeParquet(dir string, v *view, rows []row) error {
	cols := []pqwrite.Column{{Name: v.entity, Type: "int64"}, {Name: "event_timestamp", Type: "timestamp"}}
	if len(v.zones) > 0 {
		cols[0].Type = "string"
	}
	for _, f := range v.features {
		cols = append(cols, pqwrite.Column{Name: f.name, Type: string(f.kind), Optional: true})
	}
	byDay := map[string][][]any{}
	for _, rw := range rows {
		vals := make([]any, 0, len(cols))
		if len(v.zones) > 0 {
			vals = append(vals, rw.entity)
		} else {
			vals = append(vals, rw.id)
		}
		vals = append(vals, rw.ts)
		vals = append(vals, rw.values...)
		day := rw.ts.UTC().Format("2006-01-02")
		byDay[day] = append(byDay[day], vals)
	}
	for day, rs := range byDay {
		p := filepath.Join(dir, v.name, "date="+day, "part-0.parquet")
		if err := pqwrite.Write(p, cols, rs); err != nil {
			return err
		}
	}
	return nil
}
