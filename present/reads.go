package present

import (
	"fmt"
	"strings"

	"github.com/fsmon/fsmon/checks"
	"github.com/fsmon/fsmon/sample"
)

// Reads says what a store read touched, in words: "4 files read, 1
// skipped; 12 row groups read, 30 pruned" or "10000 keys read, 3 skipped".
// Counts that are zero are left out; "nothing read" when all are.
func Reads(sr checks.StoreRead) string {
	var parts []string
	add := func(read, skipped, pruned int, unit string) {
		if read == 0 && skipped == 0 && pruned == 0 {
			return
		}
		s := fmt.Sprintf("%d %s read", read, unit)
		if pruned > 0 {
			s += fmt.Sprintf(", %d pruned", pruned)
		}
		if skipped > 0 {
			s += fmt.Sprintf(", %d skipped", skipped)
		}
		parts = append(parts, s)
	}
	r := sr.Reads
	add(r.Files, r.FilesSkipped, r.FilesPruned, "files")
	add(r.RowGroups, r.RowGroupsSkipped, r.RowGroupsPruned, "row groups")
	add(r.Keys, r.KeysSkipped, 0, "keys")
	if len(parts) == 0 {
		return "nothing read"
	}
	return strings.Join(parts, "; ")
}

// Problem is one problem of a store read as a line: "offline bad_file ×1:
// file a.parquet: not a Parquet file".
func Problem(store string, p sample.Problem) string {
	return fmt.Sprintf("%s %s ×%d: %s", store, p.Kind, p.Count, p.Message)
}
