package checks

import (
	"time"

	"github.com/fsmon/fsmon/config"
	"github.com/fsmon/fsmon/sample"
	"github.com/fsmon/fsmon/stats"
)

// Input is everything one run of a view's checks reads, gathered by the
// caller (app.Collect drives the stores). Each part has its own error so
// that one unreachable store leaves the checks of the other running.
type Input struct {
	View config.View
	Now  time.Time

	// Online is the sample of the online store (SCAN-based).
	Online    *sample.Sample
	OnlineErr error
	// Footer is what the offline store knows from metadata.
	Footer    *sample.Footer
	FooterErr error
	// Offline is the window sample of the offline store.
	Offline    *sample.Sample
	OfflineErr error
	// Covered is the online lookup of the offline sample's fresh entities
	// (CoverageQuery, distinct, in order).
	CoverageQuery []sample.Entity
	Covered       *sample.Sample
	CoveredErr    error
	// AsOf is the offline point-in-time lookup of the online sample's
	// population: row i answers AsOfRows[i] (a row index of Online).
	AsOfRows []int
	AsOf     *sample.Sample
	AsOfErr  error
	// References holds, per feature name, the pinned reference of the
	// features that have one (View.ReferenceOf); app fills it from the
	// reference cache.
	References map[string]*Ref
	// Replicas are the reads of the further online stores
	// (online.replicas), in config order.
	Replicas []Replica
}

// Ref is the pinned reference of one feature: its profile, or why it could
// not be read.
type Ref struct {
	Profile *stats.FeatureProfile
	Info    ReferenceInfo
	Err     error
}
