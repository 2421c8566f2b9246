package feastsql_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/feastsql"
	"github.com/fsmon/fsmon/internal/mariadbtest"
)

// writeCert writes a certificate (and its key) for dnsNames signed by
// parent (self-signed CA when parent is nil) as PEM files dir/name.pem and
// dir/name-key.pem.
func writeCert(t *testing.T, dir, name string, ca bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, dnsNames ...string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), DNSNames: dnsNames,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: ca, BasicConstraintsValid: true}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+"-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

// TestMySQLTLS: a MariaDB that accepts only TLS connections
// (require_secure_transport), with a certificate for db.internal signed by
// a test CA. The TLS query parameters connect or refuse as documented: a
// URL without them is refused by the server (so the others did use TLS);
// ssl_ca verifies the chain
// (not the name, as PyMySQL); ssl_verify_identity also the name (127.0.0.1
// is not db.internal); a wrong CA fails; ssl_mode=REQUIRED encrypts
// without verifying.
func TestMySQLTLS(t *testing.T) {
	m := mariadbtest.Prepare(t)
	certs := t.TempDir()
	ca, caKey := writeCert(t, m.Dir, "ca", true, nil, nil)
	writeCert(t, m.Dir, "server", false, ca, caKey, "db.internal")
	writeCert(t, certs, "other-ca", true, nil, nil)
	m.Options("--ssl-ca="+filepath.Join(m.Dir, "ca.pem"), "--ssl-cert="+filepath.Join(m.Dir, "server.pem"),
		"--ssl-key="+filepath.Join(m.Dir, "server-key.pem"), "--require-secure-transport=ON")
	m.Resume(t)
	m.Exec(t, "", "CREATE DATABASE feast")
	db := m.DB(t, "feast")
	ctx := context.Background()
	if err := feasttest.CreateSQLRegistry(ctx, db, "mysql"); err != nil {
		t.Fatal(err)
	}
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	m.Exec(t, "", "CREATE USER 'fsmon'@'%' IDENTIFIED BY '"+readerPassword+"'", "GRANT SELECT ON feast.* TO 'fsmon'@'%'")
	base := m.URL("mysql+pymysql", "fsmon", readerPassword, "feast")
	caFile := url.QueryEscape(filepath.Join(m.Dir, "ca.pem"))
	for _, c := range []struct{ query, err string }{
		// MariaDB answers a clear-text login under require_secure_transport
		// with "Access denied".
		{"", "denied"},
		{"?ssl_mode=DISABLED", "denied"},
		{"?ssl_ca=" + caFile, ""},
		{"?ssl_mode=VERIFY_CA&ssl_ca=" + caFile, ""},
		{"?ssl_mode=REQUIRED", ""},
		{"?ssl_ca=" + caFile + "&ssl_verify_identity=true", "cannot validate certificate for 127.0.0.1"},
		{"?ssl_mode=VERIFY_IDENTITY&ssl_ca=" + caFile, "cannot validate certificate for 127.0.0.1"},
		{"?ssl_ca=" + url.QueryEscape(filepath.Join(certs, "other-ca.pem")), "certificate"},
	} {
		src, err := feastsql.Parse(base+c.query, "")
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		snap, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
		if c.err == "" {
			if err != nil {
				t.Errorf("%s: %v", c.query, err)
			} else if got := names(views(t, snap, "ride")); got != "1 driver_stats" {
				t.Errorf("%s: views %s", c.query, got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), readerPassword) {
			t.Errorf("%s: error %v, want one with %q", c.query, err, c.err)
		}
	}
}
