package blob_test

import (
	"context"
	"testing"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/gcstest"
)

// TestGCS runs the object-store behaviour on the Cloud Storage emulator.
func TestGCS(t *testing.T) {
	srv := gcstest.Start(t)
	missing, err := blob.NewGCS(context.Background(), "no-such-bucket", srv.Options(nil))
	if err != nil {
		t.Fatal(err)
	}
	testObjectStore(t, srv.Bucket(t, "fsmon-blob"), func(key string, data []byte) { srv.Put(t, "fsmon-blob", key, data) }, missing, "gs")
}
