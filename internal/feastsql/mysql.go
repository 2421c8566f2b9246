package feastsql

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlParams are the query parameters of a SQLAlchemy MySQL URL that
// fsmon translates; any other is an error rather than silently ignored.
var mysqlParams = []string{
	"charset", "collation", "connect_timeout", "read_timeout", "write_timeout", "unix_socket",
	"ssl", "ssl_mode", "ssl_disabled", "ssl_ca", "ssl_cert", "ssl_key",
	"ssl_verify_cert", "ssl_verify_identity", "ssl_check_hostname",
}

// parseMySQL translates a SQLAlchemy MySQL or MariaDB URL (mysql://,
// mysql+pymysql://, mysql+mysqldb://, mariadb+…://) into the driver's
// config. The query parameters are the DBAPI drivers' (PyMySQL's and
// mysqlclient's): charset, collation, connect/read/write_timeout in
// seconds, unix_socket, and TLS: ssl_mode (DISABLED, PREFERRED, REQUIRED,
// VERIFY_CA, VERIFY_IDENTITY), ssl_disabled, ssl=true, ssl_ca, ssl_cert,
// ssl_key, ssl_verify_cert, ssl_verify_identity / ssl_check_hostname.
func parseMySQL(u *url.URL, display string) (*mysql.Config, error) {
	cfg := mysql.NewConfig()
	cfg.Logger = log.New(io.Discard, "", 0) // errors come back from calls; the driver's own log is noise
	cfg.Params = map[string]string{}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, fmt.Errorf("registry %s: no database (want mysql+pymysql://user:password@host:port/database)", display)
	}
	q := u.Query()
	var unknown []string
	for k := range q {
		if !contains(mysqlParams, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("registry %s: query parameter %s: fsmon reads %s", display, strings.Join(unknown, ", "), strings.Join(mysqlParams, ", "))
	}
	if sock := q.Get("unix_socket"); sock != "" {
		cfg.Net, cfg.Addr = "unix", sock
	} else {
		if u.Hostname() == "" {
			return nil, fmt.Errorf("registry %s: no host", display)
		}
		port := u.Port()
		if port == "" {
			port = "3306"
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(u.Hostname(), port)
	}
	if cs := q.Get("charset"); cs != "" || q.Get("collation") != "" {
		if err := cfg.Apply(mysql.Charset(cs, q.Get("collation"))); err != nil {
			return nil, fmt.Errorf("registry %s: charset: %w", display, err)
		}
	}
	for _, d := range []struct {
		key string
		to  *time.Duration
	}{{"connect_timeout", &cfg.Timeout}, {"read_timeout", &cfg.ReadTimeout}, {"write_timeout", &cfg.WriteTimeout}} {
		v := q.Get(d.key)
		if v == "" {
			continue
		}
		sec, err := strconv.ParseFloat(v, 64)
		if err != nil || sec < 0 {
			return nil, fmt.Errorf("registry %s: %s=%q: want seconds", display, d.key, v)
		}
		*d.to = time.Duration(sec * float64(time.Second))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	t, err := mysqlTLS(q, u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", display, err)
	}
	if t != nil {
		cfg.TLS = t.config
		cfg.AllowFallbackToPlaintext = t.fallback
	}
	return cfg, nil
}

type mysqlTLSConfig struct {
	config   *tls.Config
	fallback bool
}

// mysqlTLS reads the TLS parameters. Without any, the connection is in
// clear, as PyMySQL's and mysqlclient's default (ssl_mode PREFERRED in
// mysqlclient is TLS when the server offers it, unverified). With ssl_ca
// the server's chain is verified against it; its name only with
// ssl_mode=VERIFY_IDENTITY, ssl_verify_identity or ssl_check_hostname, as
// in PyMySQL.
func mysqlTLS(q url.Values, host string) (*mysqlTLSConfig, error) {
	flag := func(k string) (bool, bool, error) {
		v := q.Get(k)
		if v == "" {
			return false, false, nil
		}
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			return true, true, nil
		case "0", "false", "no", "off":
			return false, true, nil
		}
		return false, true, fmt.Errorf("%s=%q: want true or false", k, v)
	}
	mode := strings.ToUpper(q.Get("ssl_mode"))
	if disabled, set, err := flag("ssl_disabled"); err != nil {
		return nil, err
	} else if set && disabled {
		mode = "DISABLED"
	}
	if on, set, err := flag("ssl"); err != nil {
		return nil, err
	} else if set && on && mode == "" {
		mode = "VERIFY_IDENTITY"
	} else if set && !on {
		mode = "DISABLED"
	}
	verifyCert, verifyCertSet, err := flag("ssl_verify_cert")
	if err != nil {
		return nil, err
	}
	identity, _, err := flag("ssl_verify_identity")
	if err != nil {
		return nil, err
	}
	checkHost, _, err := flag("ssl_check_hostname")
	if err != nil {
		return nil, err
	}
	ca, cert, key := q.Get("ssl_ca"), q.Get("ssl_cert"), q.Get("ssl_key")
	if mode == "" {
		switch {
		case identity || checkHost:
			mode = "VERIFY_IDENTITY"
		case ca != "" || (verifyCertSet && verifyCert):
			mode = "VERIFY_CA"
		case cert != "" || key != "":
			mode = "REQUIRED"
		default:
			return nil, nil
		}
	}
	if mode == "VERIFY_CA" && (identity || checkHost) {
		mode = "VERIFY_IDENTITY"
	}
	if mode == "REQUIRED" && ca != "" {
		// MySQL's client: REQUIRED with a CA verifies the chain.
		mode = "VERIFY_CA"
	}
	if verifyCertSet && !verifyCert {
		mode = "REQUIRED"
	}
	out := &mysqlTLSConfig{config: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}
	switch mode {
	case "DISABLED":
		return nil, nil
	case "PREFERRED":
		out.fallback = true
		out.config.InsecureSkipVerify = true
	case "REQUIRED":
		out.config.InsecureSkipVerify = true
	case "VERIFY_CA", "VERIFY_IDENTITY":
	default:
		return nil, fmt.Errorf("ssl_mode=%q: want DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY", q.Get("ssl_mode"))
	}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("ssl_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_ca %s: no PEM certificate in it", ca)
		}
		out.config.RootCAs = pool
	}
	if (cert == "") != (key == "") {
		return nil, errors.New("ssl_cert and ssl_key go together")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("ssl_cert/ssl_key: %w", err)
		}
		out.config.Certificates = []tls.Certificate{pair}
	}
	if mode == "VERIFY_CA" {
		// The chain, not the name: Go verifies both unless told otherwise.
		roots := out.config.RootCAs
		out.config.InsecureSkipVerify = true
		out.config.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, roots)
		}
	}
	return out, nil
}

// verifyChain verifies a server's certificate chain against roots (the
// system's when nil) without checking its name.
func verifyChain(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return errors.New("server sent no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("server certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bindMySQL rewrites the $N placeholders of q (PostgreSQL's and SQLite's)
// into MySQL's ?, with the arguments in the order the placeholders come.
func bindMySQL(q string, args []any) (string, []any) {
	var (
		b   strings.Builder
		out []any
	)
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(q[i+1 : j])
		if err != nil || n < 1 || n > len(args) {
			b.WriteByte(q[i])
			continue
		}
		b.WriteByte('?')
		out = append(out, args[n-1])
		i = j - 1
	}
	return b.String(), out
}

// mysqlHint says what a MySQL/MariaDB error number means for the user.
func mysqlHint(err error) string {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return ""
	}
	switch me.Number {
	case 1045: // ER_ACCESS_DENIED_ERROR
		return " (check the user and password in registry.path; a server that requires TLS denies clear-text logins too: set ssl_mode or ssl_ca)"
	case 1044, 1142, 1143: // database, table, column access denied
		return " (fsmon needs SELECT on " + strings.Join(Tables(), ", ") + ")"
	case 1146: // ER_NO_SUCH_TABLE
		return notRegistry
	case 1049: // ER_BAD_DB_ERROR
		return " (no such database)"
	}
	return ""
}
