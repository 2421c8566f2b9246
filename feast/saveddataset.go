package feast

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// SavedDataset is a Feast saved dataset (feast.core.SavedDataset): a
// training set Feast recorded in its registry with its storage location,
// for example the result of get_historical_features(...).persist(...).
type SavedDataset struct {
	Name    string
	Project string
	// Features are feature references "view:feature"; JoinKeys the entity
	// columns.
	Features []string
	JoinKeys []string
	// FullFeatureNames says the stored columns are named "view__feature".
	FullFeatureNames bool
	// Path is the file storage's uri (relative paths are relative to the
	// feature repo); "" when the dataset is not stored in files.
	Path string
	// Storage names the storage kind ("file", "bigquery", ...).
	Storage string
}

// Column returns the column of feature (a feature name of view) in the
// stored dataset.
func (d SavedDataset) Column(view, feature string) string {
	if d.FullFeatureNames {
		return view + "__" + feature
	}
	return feature
}

// ErrNoSavedDataset is returned (wrapped) when the registry holds no saved
// dataset of the name.
var ErrNoSavedDataset = errors.New("no saved dataset")

// ReadSavedDataset reads the saved dataset name of project from the file
// registry at path. A relative Path of the dataset is made absolute against
// repoDir.
func ReadSavedDataset(path, project, name, repoDir string) (SavedDataset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return SavedDataset{}, fmt.Errorf("read Feast registry: %w", err)
	}
	return FindSavedDataset(data, path, project, name, repoDir)
}

// FindSavedDataset is ReadSavedDataset on the bytes of a registry read from
// elsewhere (object storage, a SQL registry); registry names it in errors.
func FindSavedDataset(data []byte, registry, project, name, repoDir string) (SavedDataset, error) {
	ds, err := parseSavedDatasets(data)
	if err != nil {
		return SavedDataset{}, fmt.Errorf("Feast registry %s: %w", registry, err)
	}
	for _, d := range ds {
		if d.Name == name && (d.Project == project || d.Project == "" || project == "") {
			if d.Path != "" && !filepath.IsAbs(d.Path) && !strings.Contains(d.Path, "://") {
				d.Path = filepath.Join(repoDir, d.Path)
			}
			d.Path = strings.TrimPrefix(d.Path, "file://")
			return d, nil
		}
	}
	return SavedDataset{}, fmt.Errorf("Feast registry %s: %w named %q in project %q", registry, ErrNoSavedDataset, name, project)
}

// parseSavedDatasets reads Registry.saved_datasets (field 11) from the bare
// registry bytes. feastpb declares only what view discovery needs, so the
// few fields of SavedDataset are read here with protowire.
func parseSavedDatasets(b []byte) ([]SavedDataset, error) {
	var out []SavedDataset
	err := fields(b, func(num protowire.Number, v []byte) error {
		if num != 11 {
			return nil
		}
		var d SavedDataset
		err := fields(v, func(num protowire.Number, v []byte) error {
			if num != 1 { // spec
				return nil
			}
			return fields(v, func(num protowire.Number, v []byte) error {
				switch num {
				case 1:
					d.Name = string(v)
				case 2:
					d.Project = string(v)
				case 3:
					d.Features = append(d.Features, string(v))
				case 4:
					d.JoinKeys = append(d.JoinKeys, string(v))
				case 6: // storage
					return fields(v, func(num protowire.Number, v []byte) error {
						switch num {
						case 4:
							d.Storage = "file"
							return fields(v, func(num protowire.Number, v []byte) error {
								if num == 2 {
									d.Path = string(v)
								}
								return nil
							})
						case 5:
							d.Storage = "bigquery"
						case 6:
							d.Storage = "redshift"
						case 7:
							d.Storage = "snowflake"
						case 8:
							d.Storage = "spark"
						default:
							d.Storage = fmt.Sprintf("storage field %d", num)
						}
						return nil
					})
				}
				return nil
			}, func(num protowire.Number, x uint64) {
				if num == 5 {
					d.FullFeatureNames = x != 0
				}
			})
		})
		if err != nil {
			return fmt.Errorf("saved dataset: %w", err)
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// fields calls bytesFn for every length-delimited field of the message b
// and varintFn (when given) for every varint field; other wire types are
// skipped.
func fields(b []byte, bytesFn func(protowire.Number, []byte) error, varintFn ...func(protowire.Number, uint64)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			if err := bytesFn(num, v); err != nil {
				return err
			}
			b = b[n:]
		case protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			for _, f := range varintFn {
				f(num, x)
			}
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}
