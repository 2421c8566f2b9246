package feastsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmon/fsmon/feast"
	"github.com/fsmon/fsmon/feast/feasttest"
	"github.com/fsmon/fsmon/internal/feastsql"
	"github.com/fsmon/fsmon/internal/mariadbtest"
)

// startMariaDB starts MariaDB with a database feast holding Feast's
// registry tables (as SQLAlchemy creates them for MySQL), and a user
// fsmon with a password that may only SELECT from the tables fsmon reads:
// the grants the README documents.
func startMariaDB(t *testing.T) (*mariadbtest.Server, *sql.DB) {
	t.Helper()
	m := mariadbtest.Start(t)
	m.Exec(t, "", "CREATE DATABASE feast")
	db := m.DB(t, "feast")
	if err := feasttest.CreateSQLRegistry(context.Background(), db, "mysql"); err != nil {
		t.Fatal(err)
	}
	stmts := []string{"CREATE USER 'fsmon'@'%' IDENTIFIED BY '" + readerPassword + "'"}
	for _, tbl := range feastsql.Tables() {
		stmts = append(stmts, "GRANT SELECT ON feast."+tbl+" TO 'fsmon'@'%'")
	}
	m.Exec(t, "", stmts...)
	return m, db
}

func TestMySQLRegistry(t *testing.T) {
	ctx := context.Background()
	m, db := startMariaDB(t)
	applied := time.Now().Add(-time.Hour)
	sfv := view("trips_stream", "trips")
	sfv.Kind = feast.KindStreamFeatureView
	odfv := view("conv_plus", "conv_plus")
	odfv.Kind = feast.KindOnDemandFeatureView
	odfv.Source = nil
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", applied, view("driver_stats", "conv_rate", "acc_rate"), sfv, odfv); err != nil {
		t.Fatal(err)
	}
	if err := feasttest.ApplySQLRegistry(ctx, db, "other", applied, view("driver_stats", "x")); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb+mariadbconnector"} {
		t.Run(scheme, func(t *testing.T) {
			src, err := feastsql.Parse(m.URL(scheme, "fsmon", readerPassword, "feast")+"?charset=utf8mb4", "/repo")
			if err != nil {
				t.Fatal(err)
			}
			if src.Dialect != feastsql.MySQL {
				t.Errorf("dialect %s", src.Dialect)
			}
			if strings.Contains(fmt.Sprintf("%v %#v %+v %s", src, src, src, src.Display), readerPassword) {
				t.Errorf("source prints its password: %v", src)
			}
			snap, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			checkRide(t, snap, applied)
		})
	}
}

// TestMySQLRefresh: testRefresh on MariaDB.
func TestMySQLRefresh(t *testing.T) {
	m, db := startMariaDB(t)
	src, err := feastsql.Parse(m.URL("mysql+pymysql", "fsmon", readerPassword, "feast"), "")
	if err != nil {
		t.Fatal(err)
	}
	testRefresh(t, src, db)
}

// TestMySQLErrors: a wrong password, missing grants, a database without
// the tables, a server that is down: clear errors without the password,
// and recovery.
func TestMySQLErrors(t *testing.T) {
	ctx := context.Background()
	m, db := startMariaDB(t)
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	const wrong = "Wrong-Pass-123"
	src, err := feastsql.Parse(m.URL("mysql+pymysql", "fsmon", wrong, "feast"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), "Access denied") ||
		!strings.Contains(err.Error(), "check the user and password") || !strings.Contains(err.Error(), "fsmon:xxxxx@127.0.0.1") {
		t.Errorf("wrong password: %v", err)
	}

	m.Exec(t, "", "CREATE USER 'nogrants'@'%' IDENTIFIED BY 'nogrants-pw'", "GRANT SELECT ON feast.projects TO 'nogrants'@'%'")
	src, _ = feastsql.Parse(m.URL("mysql", "nogrants", "nogrants-pw", "feast"), "")
	_, err = feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err == nil || !strings.Contains(err.Error(), "denied") || !strings.Contains(err.Error(), "fsmon needs SELECT on projects, feast_metadata, entities") {
		t.Errorf("no grants: %v", err)
	}

	m.Exec(t, "", "CREATE DATABASE empty", "GRANT SELECT ON empty.* TO 'fsmon'@'%'")
	src, _ = feastsql.Parse(m.URL("mysql", "fsmon", readerPassword, "empty"), "")
	_, err = feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err == nil || !strings.Contains(err.Error(), "doesn't exist") || !strings.Contains(err.Error(), "not a Feast SQL registry") {
		t.Errorf("no tables: %v", err)
	}

	src, _ = feastsql.Parse(m.URL("mysql", "fsmon", readerPassword, "feast")+"?connect_timeout=5", "")
	last, err := feastsql.Read(ctx, src, "ride", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m.Stop()
	if _, err := feastsql.Read(ctx, src, "ride", last, time.Now()); err == nil || strings.Contains(err.Error(), readerPassword) || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("database down: %v", err)
	}
	m.Resume(t)
	if got, err := feastsql.Read(ctx, src, "ride", last, time.Now()); err != nil || got != last {
		t.Errorf("after recovery: %v (same snapshot: %t)", err, got == last)
	}
}

// TestMySQLReadOnly: fsmon's session sets a read-only transaction and
// sends only SELECTs (the server's general query log says so).
func TestMySQLReadOnly(t *testing.T) {
	ctx := context.Background()
	m, db := startMariaDB(t)
	if err := feasttest.ApplySQLRegistry(ctx, db, "ride", time.Now().Add(-time.Hour), view("driver_stats", "conv_rate")); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(m.Dir, "general.log")
	m.Exec(t, "", "SET GLOBAL general_log_file = '"+logFile+"'", "SET GLOBAL general_log = 1")
	src, _ := feastsql.Parse(m.URL("mysql+pymysql", "fsmon", readerPassword, "feast"), "")
	if _, err := feastsql.Read(ctx, src, "ride", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	m.Exec(t, "", "SET GLOBAL general_log = 0")
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	// Lines are "[time] id Command Argument"; the Connect line names the
	// user, and every Query line of that id is fsmon's.
	var id string
	var stmts []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i := 0; i+2 < len(f); i++ {
			if f[i+1] == "Connect" && strings.HasPrefix(f[i+2], "fsmon@") {
				id = f[i]
			}
			if id != "" && f[i] == id && (f[i+1] == "Query" || f[i+1] == "Execute") {
				stmts = append(stmts, strings.Join(f[i+2:], " "))
				break
			}
		}
	}
	var begun bool
	for _, s := range stmts {
		l := strings.ToLower(s)
		switch {
		case l == "start transaction read only":
			begun = true
		case strings.HasPrefix(l, "set transaction isolation level") && !begun:
		case strings.HasPrefix(l, "select") && begun:
		case l == "rollback" && begun:
		default:
			t.Errorf("fsmon sent %q (all: %q)", s, stmts)
		}
	}
	if !begun || len(stmts) < 3 {
		t.Errorf("statements %q: want a read-only transaction of SELECTs", stmts)
	}
}

func TestParseMySQL(t *testing.T) {
	for _, c := range []struct{ url, display, err string }{
		{"mysql://feast:pw@db.internal:3306/feast", "mysql://feast:xxxxx@db.internal:3306/feast", ""},
		{"mysql+pymysql://feast:pw@db/feast?charset=utf8mb4&ssl_mode=REQUIRED", "mysql+pymysql://feast:xxxxx@db/feast?charset=utf8mb4&ssl_mode=REQUIRED", ""},
		{"mariadb+mariadbconnector://feast@db/feast?ssl=true", "mariadb+mariadbconnector://feast@db/feast?ssl=true", ""},
		{"mysql+mysqldb://feast:pw@db", "", "no database"},
		{"mysql+pymysql://feast:pw@/feast", "", "no host"},
		{"mysql+pymysql://feast:pw@db/feast?autocommit=1", "", "query parameter autocommit"},
		{"mysql+pymysql://feast:pw@db/feast?ssl_mode=SOMETIMES", "", `ssl_mode="SOMETIMES"`},
		{"mysql+pymysql://feast:pw@db/feast?ssl_ca=/nonexistent/ca.pem", "", "ssl_ca"},
		{"mysql+pymysql://feast:pw@db/feast?connect_timeout=soon", "", "connect_timeout"},
	} {
		src, err := feastsql.Parse(c.url, "/repo")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), ":pw@") {
				t.Errorf("%s: error %v, want one with %q and no password", c.url, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if src.Dialect != feastsql.MySQL || src.String() != c.display {
			t.Errorf("%s: %s %s, want mysql %s", c.url, src.Dialect, src, c.display)
		}
	}
}
