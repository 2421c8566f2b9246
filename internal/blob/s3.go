package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options configure access to S3 or an S3-compatible server. There are
// no credentials here: they come from the AWS SDK's default chain
// (environment, shared config and profiles, web identity / IRSA, container
// and instance roles).
type S3Options struct {
	// Endpoint is the URL of an S3-compatible server (MinIO, SeaweedFS,
	// Ceph). Empty means AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or Feast's
	// FEAST_S3_ENDPOINT_URL from the environment, in that order, else AWS.
	Endpoint string
	// Region; empty means the SDK's chain (AWS_REGION, the profile), else
	// us-east-1.
	Region string
	// PathStyle addresses buckets as endpoint/bucket instead of
	// bucket.endpoint (most S3-compatible servers need it).
	PathStyle bool
	// MaxAttempts bounds the tries of one request; 0 means 5. The SDK's
	// standard retryer retries throttling (503 SlowDown, 429), 5xx and
	// connections that fail before a response, with exponential backoff
	// and jitter (from 1 s for throttling, 50 ms otherwise, doubling up to
	// MaxBackoff); a response body cut short is resumed from where it
	// stopped, as often (the SDK's retryer never sees a body).
	MaxAttempts int
	// MaxBackoff caps the delay between attempts; 0 means the SDK's 20 s.
	MaxBackoff time.Duration
	// Credentials replace the SDK's default chain. fsmon's configuration
	// never sets them (credentials never sit in its config); tests do.
	Credentials aws.CredentialsProvider
	// WrapTransport, when set, wraps fsmon's transport (the SDK's, with an
	// idle connection kept for every request fsmon has in flight: see
	// s3Transport): tests and benchmarks see the requests through it and
	// still measure fsmon's own transport.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// s3Transport is the transport of the SDK's client c (its defaults and
// what the AWS configuration set on it, a CA bundle say) with room for an
// idle connection per request in flight: parquetstore has up to 16 ranged
// reads in flight and the SDK keeps 10 idle connections a host, so the
// others would be closed after each burst and dialled again (a TLS
// handshake each on AWS). ok is false for a client that is not the SDK's.
func s3Transport(c aws.HTTPClient) (tr *http.Transport, ok bool) {
	bc, ok := c.(*awshttp.BuildableClient)
	if c == nil {
		bc, ok = awshttp.NewBuildableClient(), true
	}
	if !ok || bc == nil {
		return nil, false
	}
	return bc.WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = 64
	}).GetTransport(), true
}

// S3Endpoint returns the endpoint o uses: its own, else the first of the
// environment variables it documents, else "" (AWS).
func (o S3Options) S3Endpoint() string {
	if o.Endpoint != "" {
		return o.Endpoint
	}
	for _, v := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "FEAST_S3_ENDPOINT_URL"} {
		if e := os.Getenv(v); e != "" {
			return e
		}
	}
	return ""
}

// S3 is one S3 bucket.
type S3 struct {
	bucket   string
	client   *s3.Client
	attempts int
}

var _ Bucket = (*S3)(nil)

// NewS3 returns the bucket named bucket. It makes no request: a missing
// bucket or a credential problem shows on the first call.
func NewS3(ctx context.Context, bucket string, o S3Options) (*S3, error) {
	if bucket == "" {
		return nil, errors.New("s3: empty bucket name")
	}
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				if o.MaxBackoff > 0 {
					so.MaxBackoff = o.MaxBackoff
				}
				// A throttled read backs off and retries; the SDK's client-side
				// retry budget would instead fail fast for minutes after.
				so.RateLimiter = ratelimit.None
			})
		}),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: load AWS configuration: %w", bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	endpoint := o.S3Endpoint()
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
		}
		so.UsePathStyle = o.PathStyle
		if tr, ok := s3Transport(cfg.HTTPClient); ok {
			var rt http.RoundTripper = tr
			if o.WrapTransport != nil {
				rt = o.WrapTransport(rt)
			}
			so.HTTPClient = &http.Client{Transport: rt}
		}
		// S3-compatible servers differ in checksum support; fsmon only
		// reads, and ranged reads carry no whole-object checksum.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &S3{bucket: bucket, client: client, attempts: attempts}, nil
}

// Client is the SDK client (tests use it to write fixtures).
func (b *S3) Client() *s3.Client { return b.client }

// URL returns s3://bucket/key.
func (b *S3) URL(key string) string { return "s3://" + b.bucket + "/" + key }

// List pages through ListObjectsV2.
func (b *S3) List(ctx context.Context, prefix string) (*Listing, error) {
	out := &Listing{}
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", b.URL(prefix), s3Error(err))
		}
		for _, o := range page.Contents {
			if o.Key == nil || strings.HasSuffix(*o.Key, "/") {
				continue // folder markers
			}
			out.Objects = append(out.Objects, Attrs{Key: *o.Key, Size: aws.ToInt64(o.Size), ETag: strings.Trim(aws.ToString(o.ETag), `"`)})
		}
	}
	return out, nil
}

// Stat sends a HEAD request.
func (b *S3) Stat(ctx context.Context, key string) (Attrs, error) {
	h, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		return Attrs{}, fmt.Errorf("stat %s: %w", b.URL(key), s3Error(err))
	}
	return Attrs{Key: key, Size: aws.ToInt64(h.ContentLength), ETag: strings.Trim(aws.ToString(h.ETag), `"`)}, nil
}

// Open makes no request; each ReadAt is one ranged GET, conditional on the
// ETag of a.
func (b *S3) Open(ctx context.Context, a Attrs) (Reader, error) {
	return &rangeReader{ctx: ctx, a: a, url: b.URL(a.Key), get: b.getRange}, nil
}

// getRange reads p at off. The request itself is retried by the SDK; a
// body that breaks off (a dropped connection, a proxy timing out) is
// resumed from the first byte not received, up to the same number of
// attempts. Every request is conditional on the ETag, so the pieces are of
// one version of the object or the read fails with ErrChanged.
func (b *S3) getRange(ctx context.Context, a Attrs, p []byte, off int64) error {
	n := 0
	for try := 1; ; try++ {
		m, err := b.getOnce(ctx, a, p[n:], off+int64(n))
		n += m
		if err == nil {
			return nil
		}
		var cut *cutBody
		if !errors.As(err, &cut) || ctx.Err() != nil || try >= b.attempts {
			return err
		}
	}
}

// cutBody is a response body that ended before its length.
type cutBody struct {
	got, want int
	err       error
}

func (c *cutBody) Error() string {
	return fmt.Sprintf("the connection broke after %d of %d bytes: %v", c.got, c.want, c.err)
}

func (c *cutBody) Unwrap() error { return c.err }

// getOnce sends one ranged GET for p at off and returns how many bytes of
// its body were read into p.
func (b *S3) getOnce(ctx context.Context, a Attrs, p []byte, off int64) (int, error) {
	in := &s3.GetObjectInput{
		Bucket: &b.bucket,
		Key:    &a.Key,
		Range:  aws.String(fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)),
	}
	if a.ETag != "" {
		in.IfMatch = aws.String(`"` + a.ETag + `"`)
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		return 0, s3Error(err)
	}
	defer out.Body.Close()
	if n, err := io.ReadFull(out.Body, p); err != nil {
		return n, &cutBody{got: n, want: len(p), err: err}
	}
	return len(p), nil
}

// rangeReader serves ReadAt with ranged requests through get.
type rangeReader struct {
	ctx context.Context
	a   Attrs
	url string
	get func(ctx context.Context, a Attrs, p []byte, off int64) error
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", r.url, off)
	}
	if off >= r.a.Size {
		return 0, io.EOF
	}
	n := len(p)
	var err error
	if rem := r.a.Size - off; int64(n) > rem {
		n, err = int(rem), io.EOF
	}
	if n == 0 {
		return 0, err
	}
	if gerr := r.get(r.ctx, r.a, p[:n], off); gerr != nil {
		return 0, fmt.Errorf("read %s bytes %d-%d: %w", r.url, off, off+int64(n)-1, gerr)
	}
	return n, err
}

func (r *rangeReader) Close() error { return nil }

// ErrChanged is wrapped when an object changed while it was being read.
var ErrChanged = errors.New("the object changed while it was read")

// s3Error rewrites the SDK's errors into ones a user can act on. They keep
// the code and message of the service and never a credential.
func s3Error(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err
	}
	code := api.ErrorCode()
	hint := ""
	switch code {
	case "NoSuchBucket":
		hint = "the bucket does not exist (check the name and the region/endpoint)"
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%s: %w", code, ErrNotExist)
	case "AccessDenied", "Forbidden", "AllAccessDisabled":
		hint = "access denied: fsmon needs s3:ListBucket on the prefix and s3:GetObject on its objects"
	case "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired":
		hint = "the credentials have expired: renew them (the SDK picks up new ones from its chain)"
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken":
		hint = "the credentials were refused (" + code + "): check the key and the endpoint"
	case "PreconditionFailed":
		return ErrChanged
	case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable", "503":
		hint = "throttled by the server, retried with backoff until the attempts ran out"
	}
	var nb *types.NoSuchBucket
	if errors.As(err, &nb) {
		hint = "the bucket does not exist (check the name and the region/endpoint)"
	}
	msg := api.ErrorMessage()
	if msg == "" {
		msg = code
	} else {
		msg = code + ": " + msg
	}
	if hint != "" {
		return fmt.Errorf("%s (%s)", hint, msg)
	}
	return fmt.Errorf("%s", msg)
}
