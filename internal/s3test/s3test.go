// Package s3test starts a real S3 server, SeaweedFS's `weed mini`, on free
// loopback ports for tests. The binary is found through FSMON_WEED (what
// .ci/run sets after building or reusing it), as `weed` on PATH or as the
// binary .ci/weed.sh caches under /var/cache/fsmon-ci; without
// it the test is skipped, except under CI=true where it is a failure.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fsmon/fsmon/internal/blob"
	"github.com/fsmon/fsmon/internal/servertest"
)

// Credentials of the server's one identity. They are test values, not
// secrets.
const (
	AccessKey = "fsmon-test-access"
	SecretKey = "fsmon-test-secret-key"
)

// Server is a running weed mini owned by one test (or one package's tests).
type Server struct {
	// Endpoint is the S3 URL, http://127.0.0.1:PORT.
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
	log      *bytes.Buffer
	mu       *sync.Mutex
}

// Version is the SeaweedFS module version .ci/weed.sh builds; its binary is
// cached as /var/cache/fsmon-ci/weed-Version.
const Version = "v0.0.0-20261109003541-7506e5f91cd6"

// Binary returns the weed binary, skipping (or failing under CI=true) tb
// when there is none.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("FSMON_WEED"); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("FSMON_WEED=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p
	}
	if p := "/var/cache/fsmon-ci/weed-" + Version; fileExists(p) {
		return p
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("SeaweedFS weed not found under CI=true: .ci/run builds it and sets FSMON_WEED")
	}
	tb.Skip("SeaweedFS weed not found; skipping (build it with .ci/weed.sh and set FSMON_WEED)")
	return ""
}

// Start runs weed mini with its data in a temporary folder and every port
// it opens on a free loopback port, and stops it when tb ends.
//
// The free ports are found, released and handed to weed, so another
// process may take one in between; weed then exits at once ("Port
// allocation failed", or a component's "bind: address already in use")
// and Start tries again with new ports, three times.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary(tb)
	for try := 1; ; try++ {
		s, err := start(tb, bin)
		if err == nil {
			return s
		}
		if try == 3 || !(strings.Contains(s.Log(), "Port allocation failed") || strings.Contains(s.Log(), "address already in use")) {
			tb.Fatalf("weed mini did not serve S3 on %s: %v\n%s", s.Endpoint, err, s.Log())
		}
	}
}

// start runs weed mini once on new free ports; on error the server is
// stopped and its log kept.
func start(tb testing.TB, bin string) (*Server, error) {
	dir := tb.TempDir()
	ports, err := servertest.FreePorts(11)
	if err != nil {
		tb.Fatalf("free ports: %v", err)
	}
	args := []string{"mini",
		"-dir=" + dir,
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		fmt.Sprintf("-master.port=%d", ports[0]), fmt.Sprintf("-master.port.grpc=%d", ports[1]),
		fmt.Sprintf("-volume.port=%d", ports[2]), fmt.Sprintf("-volume.port.grpc=%d", ports[3]),
		fmt.Sprintf("-filer.port=%d", ports[4]), fmt.Sprintf("-filer.port.grpc=%d", ports[5]),
		fmt.Sprintf("-s3.port=%d", ports[6]), fmt.Sprintf("-s3.port.grpc=%d", ports[7]),
		fmt.Sprintf("-admin.port=%d", ports[8]), fmt.Sprintf("-admin.port.grpc=%d", ports[9]),
		fmt.Sprintf("-webdav.port=%d", ports[10]),
		"-webdav=false", "-admin.ui=false", "-admin.port.legacy=0",
		"-s3.port.iceberg=0", "-s3.port.lance=0",
		"-master.telemetry=false",
		"-filer.localSocket=" + filepath.Join(dir, "filer.sock"),
		"-s3.localSocket=" + filepath.Join(dir, "s3.sock"),
	}
	// More flags, for benchmarks: -cpuprofile=F profiles the server.
	args = append(args, strings.Fields(os.Getenv("FSMON_WEED_ARGS"))...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+AccessKey, "AWS_SECRET_ACCESS_KEY="+SecretKey)
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", ports[6]), cmd: cmd, done: make(chan struct{}), log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	w := &lockedWriter{mu: s.mu, buf: s.log}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start weed mini: %v", err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	tb.Cleanup(s.Stop)
	if err := s.wait(90 * time.Second); err != nil {
		s.Stop()
		return s, err
	}
	return s, nil
}

// wait polls the S3 port until a signed ListBuckets succeeds.
func (s *Server) wait(limit time.Duration) error {
	c := s.client()
	deadline := time.Now().Add(limit)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("weed exited")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = c.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// Log returns what the server printed.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Stop kills the server; it is safe to call twice.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		if os.Getenv("FSMON_WEED_ARGS") != "" {
			// Let weed write the profiles it was asked for.
			_ = s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
			}
		}
		_ = s.cmd.Process.Kill()
		<-s.done
		s.cmd = nil
	}
}

// Options are the blob options that reach this server with its
// credentials.
func (s *Server) Options() blob.S3Options {
	return blob.S3Options{
		Endpoint:    s.Endpoint,
		Region:      "us-east-1",
		PathStyle:   true,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	}
}

func (s *Server) client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	})
}

// Bucket creates a new bucket on the server and returns it.
func (s *Server) Bucket(tb testing.TB, name string) *blob.S3 {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		tb.Fatalf("create bucket %s: %v", name, err)
	}
	b, err := blob.NewS3(ctx, name, s.Options())
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Put writes one object (fixtures only: fsmon itself never writes).
func (s *Server) Put(tb testing.TB, bucket, key string, data []byte) {
	tb.Helper()
	_, err := s.client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
	if err != nil {
		tb.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// PutDir uploads every file under dir to bucket, keys prefix + the path
// relative to dir.
func (s *Server) PutDir(tb testing.TB, bucket, prefix, dir string) {
	tb.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.Put(tb, bucket, strings.TrimPrefix(prefix+"/"+filepath.ToSlash(rel), "/"), data)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() < 1<<20 {
		w.buf.Write(p)
	}
	return len(p), nil
}

// CPUTime is the processor time (user and system) the server has used so
// far, from /proc; 0 where /proc cannot tell. Benchmarks report it: the
// server shares the machine's cores with the reader it serves.
func (s *Server) CPUTime() time.Duration {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields follow its ")".
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	// utime and stime are fields 14 and 15 of stat, in clock ticks (100
	// a second on Linux).
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
