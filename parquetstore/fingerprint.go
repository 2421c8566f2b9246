package parquetstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Fingerprint identifies the current content of the view's files without
// reading them: a hash of every resolved file's name, size and ETag (on
// local files, modification time and size). It changes when a file is
// added, removed or rewritten, so a caller that derived something from the
// files (a reference profile) knows when to derive it again. It costs one
// listing of the view's files.
func (s *Store) Fingerprint(ctx context.Context) (string, error) {
	refs, _, err := s.resolve(ctx)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, r := range refs {
		fmt.Fprintf(h, "%s\x00%d\x00%s\n", r.name, r.obj.Size, r.obj.ETag)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
