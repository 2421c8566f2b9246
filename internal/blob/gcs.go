package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// GCSOptions configure access to Google Cloud Storage. There are no
// credentials here: they come from Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, gcloud's, GKE workload identity, the
// metadata server). STORAGE_EMULATOR_HOST is honoured by the client.
type GCSOptions struct {
	// Endpoint replaces Google's JSON API endpoint (a private endpoint or
	// an emulator: "http://127.0.0.1:4443/storage/v1/").
	Endpoint string
	// HTTPClient replaces the authenticated client (tests and benchmarks);
	// requests then carry no credentials.
	HTTPClient *http.Client
}

// GCS is one Cloud Storage bucket.
type GCS struct {
	bucket string
	client *storage.Client
	h      *storage.BucketHandle
}

var _ Bucket = (*GCS)(nil)

// NewGCS returns the bucket named bucket. It makes no request.
func NewGCS(ctx context.Context, bucket string, o GCSOptions) (*GCS, error) {
	if bucket == "" {
		return nil, errors.New("gcs: empty bucket name")
	}
	var opts []option.ClientOption
	if o.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(o.Endpoint))
	}
	if o.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(o.HTTPClient))
	}
	c, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("gs://%s: %w", bucket, err)
	}
	// Reads are idempotent: retry 429, 5xx and dropped connections with
	// the library's exponential backoff.
	c.SetRetry(storage.WithPolicy(storage.RetryAlways))
	return &GCS{bucket: bucket, client: c, h: c.Bucket(bucket)}, nil
}

// Client is the storage client (tests use it to write fixtures).
func (b *GCS) Client() *storage.Client { return b.client }

// URL returns gs://bucket/key.
func (b *GCS) URL(key string) string { return "gs://" + b.bucket + "/" + key }

// List pages through the objects under prefix.
func (b *GCS) List(ctx context.Context, prefix string) (*Listing, error) {
	q := &storage.Query{Prefix: prefix}
	if err := q.SetAttrSelection([]string{"Name", "Size", "Generation"}); err != nil {
		return nil, err
	}
	out := &Listing{}
	it := b.h.Objects(ctx, q)
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", b.URL(prefix), gcsError(err))
		}
		if a.Name == "" || a.Name[len(a.Name)-1] == '/' {
			continue
		}
		out.Objects = append(out.Objects, Attrs{Key: a.Name, Size: a.Size, ETag: strconv.FormatInt(a.Generation, 10)})
	}
	return out, nil
}

// Stat reads the object's metadata.
func (b *GCS) Stat(ctx context.Context, key string) (Attrs, error) {
	a, err := b.h.Object(key).Attrs(ctx)
	if err != nil {
		return Attrs{}, fmt.Errorf("stat %s: %w", b.URL(key), gcsError(err))
	}
	return Attrs{Key: key, Size: a.Size, ETag: strconv.FormatInt(a.Generation, 10)}, nil
}

// Open makes no request; each ReadAt is one ranged read of the generation
// a names.
func (b *GCS) Open(ctx context.Context, a Attrs) (Reader, error) {
	return &rangeReader{ctx: ctx, a: a, url: b.URL(a.Key), get: b.getRange}, nil
}

func (b *GCS) getRange(ctx context.Context, a Attrs, p []byte, off int64) error {
	o := b.h.Object(a.Key)
	if g, err := strconv.ParseInt(a.ETag, 10, 64); err == nil && g > 0 {
		o = o.Generation(g)
	}
	r, err := o.NewRangeReader(ctx, off, int64(len(p)))
	if err != nil {
		if errors.Is(err, storage.ErrObjectNotExist) && a.ETag != "" {
			return ErrChanged // that generation is gone
		}
		return gcsError(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, p); err != nil {
		return fmt.Errorf("short body: %w", err)
	}
	return nil
}

// gcsError rewrites the client's errors into ones a user can act on.
func gcsError(err error) error {
	switch {
	case errors.Is(err, storage.ErrObjectNotExist):
		return fmt.Errorf("no such object: %w", ErrNotExist)
	case errors.Is(err, storage.ErrBucketNotExist):
		return errors.New("the bucket does not exist (check its name)")
	}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return err
	}
	msg := ge.Message
	if msg == "" {
		msg = http.StatusText(ge.Code)
	}
	switch ge.Code {
	case http.StatusNotFound:
		return fmt.Errorf("not found (%s): %w", msg, ErrNotExist)
	case http.StatusUnauthorized:
		return fmt.Errorf("the credentials were refused or have expired (%d: %s)", ge.Code, msg)
	case http.StatusForbidden:
		return fmt.Errorf("access denied: fsmon needs storage.objects.list and storage.objects.get (roles/storage.objectViewer) on the bucket (%d: %s)", ge.Code, msg)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return fmt.Errorf("throttled by the server, retried with backoff until the deadline (%d: %s)", ge.Code, msg)
	}
	return fmt.Errorf("%d: %s", ge.Code, msg)
}
