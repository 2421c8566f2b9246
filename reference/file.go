package reference

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/fsmon/fsmon/stats"
)

// magic starts every profile file; its last byte is the format version.
const magic = "FSMPROF1"

// ErrFormat is returned (wrapped) for a file that is not a profile of a
// format this version reads, or is damaged.
var ErrFormat = errors.New("not an fsmon profile")

type header struct {
	Label       string          `json:"label,omitempty"`
	Version     string          `json:"version,omitempty"`
	Source      string          `json:"source,omitempty"`
	Fingerprint string          `json:"fingerprint,omitempty"`
	CreatedAt   string          `json:"created_at,omitempty"`
	Features    []featureHeader `json:"features"`
}

type featureHeader struct {
	Name      string             `json:"name"`
	Type      string             `json:"type"`
	N         int                `json:"n"`
	Nulls     int                `json:"nulls"`
	Inf       int                `json:"inf,omitempty"`
	Complete  bool               `json:"complete,omitempty"`
	Edges     []float64          `json:"edges,omitempty"`
	BinCounts []float64          `json:"bin_counts,omitempty"`
	Std       float64            `json:"std,omitempty"`
	Min       float64            `json:"min,omitempty"`
	Max       float64            `json:"max,omitempty"`
	Reservoir int                `json:"reservoir,omitempty"`
	Counts    map[string]float64 `json:"counts,omitempty"`
	Numeric   bool               `json:"numeric,omitempty"`
}

// Write writes p in the profile file format.
func Write(w io.Writer, p *stats.Profile) error {
	h := header{Label: p.Label, Version: p.Version, Source: p.Source, Fingerprint: p.Fingerprint, CreatedAt: p.CreatedAt}
	names := make([]string, 0, len(p.Features))
	for n := range p.Features {
		names = append(names, n)
	}
	slices.Sort(names)
	var body []float64
	for _, n := range names {
		f := p.Features[n]
		fh := featureHeader{Name: n, Type: f.Type}
		switch {
		case f.Numeric != nil:
			np := f.Numeric
			fh.Numeric = true
			fh.N, fh.Nulls, fh.Inf, fh.Complete = np.N, np.Nulls, np.Inf, np.Complete
			fh.Edges, fh.BinCounts, fh.Std, fh.Min, fh.Max = np.Edges, np.BinCounts, np.Std, np.Min, np.Max
			fh.Reservoir = len(np.Reservoir)
			body = append(body, np.Reservoir...)
		case f.Categorical != nil:
			fh.Counts, fh.Nulls = f.Categorical.Counts, f.Categorical.Nulls
			fh.N = int(f.Categorical.Total())
		}
		h.Features = append(h.Features, fh)
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("profile header: %w", err)
	}
	buf := make([]byte, 0, len(magic)+4+len(hb)+8*len(body)+4)
	buf = append(buf, magic...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(hb)))
	buf = append(buf, hb...)
	for _, v := range body {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	buf = binary.LittleEndian.AppendUint32(buf, crc32.ChecksumIEEE(buf))
	_, err = w.Write(buf)
	return err
}

// WriteFile writes p to path atomically (a temporary file renamed over it).
func WriteFile(path string, p *stats.Profile) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write profile %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, p); err != nil {
		tmp.Close()
		return fmt.Errorf("write profile %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write profile %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write profile %s: %w", path, err)
	}
	return nil
}

// ReadFile reads a profile file.
func ReadFile(path string) (*stats.Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	p, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	return p, nil
}

// Decode reads a profile from the bytes of a profile file.
func Decode(b []byte) (*stats.Profile, error) {
	if len(b) < len(magic)+8 || !bytes.Equal(b[:len(magic)-1], []byte(magic[:len(magic)-1])) {
		return nil, ErrFormat
	}
	if b[len(magic)-1] != magic[len(magic)-1] {
		return nil, fmt.Errorf("%w: format version %q (this fsmon reads %q)", ErrFormat, b[len(magic)-1], magic[len(magic)-1])
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (damaged or truncated)", ErrFormat)
	}
	rest := body[len(magic):]
	hl := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if hl > len(rest) {
		return nil, fmt.Errorf("%w: header length %d beyond the file", ErrFormat, hl)
	}
	var h header
	if err := json.Unmarshal(rest[:hl], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	vals := rest[hl:]
	total := 0
	for _, f := range h.Features {
		if f.Reservoir < 0 {
			return nil, fmt.Errorf("%w: feature %q: negative reservoir", ErrFormat, f.Name)
		}
		total += f.Reservoir
	}
	if total*8 != len(vals) {
		return nil, fmt.Errorf("%w: %d reservoir values declared, %d bytes present", ErrFormat, total, len(vals))
	}
	all := make([]float64, total)
	for i := range all {
		all[i] = math.Float64frombits(binary.LittleEndian.Uint64(vals[8*i:]))
	}
	p := &stats.Profile{Label: h.Label, Version: h.Version, Source: h.Source, Fingerprint: h.Fingerprint,
		CreatedAt: h.CreatedAt, Features: make(map[string]*stats.FeatureProfile, len(h.Features))}
	off := 0
	for _, f := range h.Features {
		fp := &stats.FeatureProfile{Name: f.Name, Type: f.Type}
		if f.Numeric {
			if f.N > 0 && (len(f.Edges) != 9 || len(f.BinCounts) != 10) {
				return nil, fmt.Errorf("%w: feature %q: %d edges and %d bins (want 9 and 10)", ErrFormat, f.Name, len(f.Edges), len(f.BinCounts))
			}
			fp.Numeric = &stats.NumericProfile{N: f.N, Nulls: f.Nulls, Inf: f.Inf, Complete: f.Complete,
				Reservoir: all[off : off+f.Reservoir : off+f.Reservoir], Edges: f.Edges, BinCounts: f.BinCounts,
				Std: f.Std, Min: f.Min, Max: f.Max}
			off += f.Reservoir
			if !slices.IsSorted(fp.Numeric.Reservoir) {
				return nil, fmt.Errorf("%w: feature %q: reservoir not sorted", ErrFormat, f.Name)
			}
		} else {
			counts := f.Counts
			if counts == nil {
				counts = map[string]float64{}
			}
			fp.Categorical = &stats.CategoricalProfile{Counts: counts, Nulls: f.Nulls}
		}
		p.Features[f.Name] = fp
	}
	return p, nil
}
