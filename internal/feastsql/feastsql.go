// Package feastsql reads Feast's SQL registry (registry_type: sql) the way
// Feast's own SqlRegistry does (sdk/python/feast/infra/registry/sql.py):
// one table per kind of object (entities, data_sources, feature_views,
// stream_feature_views, on_demand_feature_views, saved_datasets), a row per
// object keyed by its name and project_id, the object's serialized proto in
// <kind>_proto, and last_updated_timestamp in unix seconds; the projects
// table lists the projects.
//
// Read turns the rows of one project into the bytes of a serialized
// feast.core.Registry, the same bytes a file registry holds, so everything
// that reads file registries reads SQL ones unchanged. It reads in one
// read-only transaction and only SELECTs: fsmon never writes to the stores
// it watches. A refresh of an unchanged registry costs one query of counts
// and latest last_updated_timestamp per table.
//
// Supported URLs are SQLAlchemy's, as Feast takes them: postgresql://,
// postgresql+psycopg://, postgresql+psycopg2:// (any postgresql+driver),
// sqlite:///relative/path and sqlite:////absolute/path, mysql:// and
// mariadb:// (mysql+pymysql://, mysql+mysqldb://, any driver) with the
// DBAPI drivers' query parameters (charset, ssl_*). The password in a
// URL is a secret: Source.String and every error show the URL redacted.
package feastsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/fsmon/fsmon/feast"

	// The pure-Go SQLite driver ("sqlite").
	_ "modernc.org/sqlite"
)

// Dialects of a Source.
const (
	Postgres = "postgresql"
	SQLite   = "sqlite"
	MySQL    = "mysql"
)

// Source is where a SQL registry is: a parsed SQLAlchemy URL. Its zero
// value is not usable; make one with Parse.
type Source struct {
	// Dialect is Postgres, SQLite or MySQL (MariaDB too).
	Dialect string
	// Display is the URL with its password replaced by "xxxxx", for
	// messages.
	Display string
	// Path is the SQLite database file (absolute).
	Path string

	pg     *pgx.ConnConfig
	my     *mysql.Config
	secret string // the password, scrubbed from errors
}

// String is the redacted URL.
func (s Source) String() string { return s.Display }

// GoString is String, so that %#v does not print the password either.
func (s Source) GoString() string { return "feastsql.Source{" + s.Display + "}" }

// Parse reads a SQLAlchemy URL. A relative SQLite path
// (sqlite:///data/registry.db) is taken relative to dir, the feature repo,
// where Feast is run. Errors show the URL redacted.
func Parse(raw, dir string) (Source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the URL: say only what is wrong.
		return Source{}, fmt.Errorf("registry path is not a URL (SQLAlchemy form dialect+driver://user:password@host:port/database): %s", redactRaw(raw))
	}
	s := Source{Display: feast.SecretURL(raw).String()}
	if pw, ok := u.User.Password(); ok {
		s.secret = pw
	} else if pw := u.Query().Get("password"); pw != "" {
		s.secret = pw
	}
	dialect, driver, _ := strings.Cut(u.Scheme, "+")
	switch dialect {
	case "postgresql", "postgres":
		s.Dialect = Postgres
		if u.Host == "" && u.Query().Get("host") == "" {
			return s, fmt.Errorf("registry %s: no host", s.Display)
		}
		pu := *u
		pu.Scheme = "postgres"
		cfg, err := pgx.ParseConfig(pu.String())
		if err != nil {
			return s, fmt.Errorf("registry %s: %s", s.Display, s.scrub(err.Error()))
		}
		if _, ok := cfg.RuntimeParams["application_name"]; !ok {
			cfg.RuntimeParams["application_name"] = "fsmon"
		}
		s.pg = cfg
	case "sqlite":
		if driver != "" && driver != "pysqlite" {
			return s, fmt.Errorf("registry %s: SQLite driver %q: fsmon reads sqlite:// and sqlite+pysqlite:// URLs", s.Display, driver)
		}
		s.Dialect = SQLite
		// sqlite:///rel → Path "/rel"; sqlite:////abs → Path "//abs".
		p := u.Path
		if u.Host != "" || p == "" || p == "/" {
			return s, fmt.Errorf("registry %s: want sqlite:///relative/path or sqlite:////absolute/path (an in-memory database holds no registry)", s.Display)
		}
		p = p[1:]
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		s.Path = p
	case "mysql", "mariadb":
		s.Dialect = MySQL
		cfg, err := parseMySQL(u, s.Display)
		if err != nil {
			return s, errors.New(s.scrub(err.Error()))
		}
		s.my = cfg
	default:
		return s, fmt.Errorf("registry %s: dialect %q: fsmon reads SQL registries on postgresql://, mysql://, mariadb:// and sqlite://", s.Display, u.Scheme)
	}
	return s, nil
}

// redactRaw hides whatever sits between "://" and "@" in a string that did
// not parse as a URL.
func redactRaw(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "<unparsable>"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "xxxxx" + rest[at:]
	}
	return scheme + "://" + rest
}

// scrub removes the password from a message (drivers do not print it, but
// an error is no place to find out).
func (s Source) scrub(msg string) string {
	if s.secret == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, s.secret, "xxxxx")
	return strings.ReplaceAll(msg, url.QueryEscape(s.secret), "xxxxx")
}

// Stamp fingerprints a registry's content cheaply: per table the number of
// rows of the project and their greatest last_updated_timestamp.
type Stamp struct {
	// Tables is "table:count:max" per table, in a fixed order.
	Tables string
	// Latest is the greatest last_updated_timestamp of them all.
	Latest time.Time
}

// Snapshot is one read of a project's registry.
type Snapshot struct {
	// Data is a serialized feast.core.Registry holding the project's
	// objects (and every project's Project row).
	Data  []byte
	Stamp Stamp
	// ReadAt is when it was read (fsmon's clock).
	ReadAt time.Time
}

// SameSecondMargin is how long after a registry's latest
// last_updated_timestamp a read must happen before an unchanged Stamp
// proves the content unchanged: Feast stores whole seconds from the
// writer's clock, so a write in the same second as an earlier one, or by a
// writer whose clock is a little behind, leaves the Stamp as it was.
const SameSecondMargin = 10 * time.Second

// table is one registry table and where its rows go in the Registry
// message.
type table struct {
	name, nameCol, protoCol string
	// field is the Registry field the objects go into.
	field protowire.Number
	// specField and projectField place the project in the object: the
	// spec's project field, or the object's own (specField 0).
	specField, projectField protowire.Number
}

// tables are read in this order; projects (all of them) come last.
var tables = []table{
	{"entities", "entity_name", "entity_proto", 1, 1, 9},
	{"data_sources", "data_source_name", "data_source_proto", 12, 0, 21},
	{"feature_views", "feature_view_name", "feature_view_proto", 6, 1, 2},
	{"stream_feature_views", "feature_view_name", "feature_view_proto", 14, 1, 2},
	{"on_demand_feature_views", "feature_view_name", "feature_view_proto", 8, 1, 2},
	{"saved_datasets", "saved_dataset_name", "saved_dataset_proto", 11, 1, 2},
}

// Tables lists the registry tables fsmon reads (and needs SELECT on).
func Tables() []string {
	out := []string{"projects", "feast_metadata"}
	for _, t := range tables {
		out = append(out, t.name)
	}
	return out
}

// Registry field numbers outside tables.
const (
	fieldLastUpdated = 5
	fieldProjects    = 17
)

// Read reads project's registry from src. When last (a previous Snapshot
// of the same source and project, or nil) is still current, it returns last
// itself after one query of the Stamp; otherwise it reads every table.
// now is fsmon's clock. Errors name the redacted URL and never the
// password.
func Read(ctx context.Context, src Source, project string, last *Snapshot, now time.Time) (*Snapshot, error) {
	snap, err := read(ctx, src, project, last, now)
	if err != nil {
		return nil, fmt.Errorf("Feast SQL registry %s: %s", src.Display, src.explain(err))
	}
	return snap, nil
}

func read(ctx context.Context, src Source, project string, last *Snapshot, now time.Time) (*Snapshot, error) {
	db, txOpts, err := src.open()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, txOpts)
	if err != nil {
		return nil, err
	}
	// Read-only: nothing to commit.
	defer func() { _ = tx.Rollback() }()

	q := querier{tx: tx, mysql: src.Dialect == MySQL}
	stamp, err := readStamp(ctx, q, project)
	if err != nil {
		return nil, err
	}
	if last != nil && last.Stamp == stamp && last.ReadAt.Sub(stamp.Latest) > SameSecondMargin {
		return last, nil
	}
	var reg []byte
	for _, t := range tables {
		stmt := fmt.Sprintf("SELECT %s FROM %s WHERE project_id = $1 ORDER BY %s", t.protoCol, t.name, t.nameCol)
		reg, err = appendRows(ctx, q, reg, stmt, project, t)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.name, err)
		}
	}
	reg, err = appendRows(ctx, q, reg, "SELECT project_proto FROM projects ORDER BY project_id", "", table{field: fieldProjects})
	if err != nil {
		return nil, fmt.Errorf("table projects: %w", err)
	}
	if !stamp.Latest.IsZero() {
		ts := protowire.AppendTag(nil, 1, protowire.VarintType)
		ts = protowire.AppendVarint(ts, uint64(stamp.Latest.Unix()))
		reg = protowire.AppendTag(reg, fieldLastUpdated, protowire.BytesType)
		reg = protowire.AppendBytes(reg, ts)
	}
	return &Snapshot{Data: reg, Stamp: stamp, ReadAt: now}, nil
}

// open opens a connection pool of one connection and the options of a
// read-only transaction for src's dialect.
func (s Source) open() (*sql.DB, *sql.TxOptions, error) {
	switch s.Dialect {
	case Postgres:
		db := stdlib.OpenDB(*s.pg)
		db.SetMaxOpenConns(1)
		// One snapshot for every table of a read.
		return db, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}, nil
	case SQLite:
		if _, err := os.Stat(s.Path); err != nil {
			// Opening would create it (mode=ro aside, say it plainly).
			return nil, nil, err
		}
		dsn := (&url.URL{Scheme: "file", Path: s.Path, RawQuery: "mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(5000)"}).String()
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, nil, err
		}
		db.SetMaxOpenConns(1)
		return db, &sql.TxOptions{ReadOnly: true}, nil
	case MySQL:
		c, err := mysql.NewConnector(s.my)
		if err != nil {
			return nil, nil, err
		}
		db := sql.OpenDB(c)
		db.SetMaxOpenConns(1)
		// SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, then START
		// TRANSACTION READ ONLY: InnoDB reads every table from one snapshot.
		return db, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}, nil
	}
	return nil, nil, fmt.Errorf("unknown dialect %q", s.Dialect)
}

// readStamp counts each table's rows of project (every project's rows of
// projects) and their latest last_updated_timestamp, in one query.
func readStamp(ctx context.Context, tx querier, project string) (Stamp, error) {
	var parts []string
	args := []any{project}
	for _, t := range append([]string{"feast_metadata"}, names()...) {
		parts = append(parts, fmt.Sprintf("SELECT '%s', COUNT(*), COALESCE(MAX(last_updated_timestamp), 0) FROM %s WHERE project_id = $1", t, t))
	}
	parts = append(parts, "SELECT 'projects', COUNT(*), COALESCE(MAX(last_updated_timestamp), 0) FROM projects")
	rows, err := tx.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return Stamp{}, err
	}
	defer rows.Close()
	var (
		st     Stamp
		b      strings.Builder
		latest int64
	)
	for rows.Next() {
		var (
			name   string
			n, max int64
		)
		if err := rows.Scan(&name, &n, &max); err != nil {
			return Stamp{}, err
		}
		fmt.Fprintf(&b, "%s:%d:%d,", name, n, max)
		latest = maxInt(latest, max)
	}
	if err := rows.Err(); err != nil {
		return Stamp{}, err
	}
	st.Tables = b.String()
	if latest > 0 {
		st.Latest = time.Unix(latest, 0).UTC()
	}
	return st, nil
}

// querier runs a read's queries, written with $N placeholders, in its
// transaction.
type querier struct {
	tx    *sql.Tx
	mysql bool
}

// QueryContext runs q with args, its placeholders rewritten for MySQL.
func (q querier) QueryContext(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	if q.mysql {
		stmt, args = bindMySQL(stmt, args)
	}
	return q.tx.QueryContext(ctx, stmt, args...)
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func names() []string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = t.name
	}
	return out
}

// appendRows appends every proto the query returns to reg as field
// t.field, each followed by its project (as Feast's SqlRegistry.proto()
// sets it): a serialized message followed by more of its fields merges
// them, so the project_id of the row wins.
func appendRows(ctx context.Context, tx querier, reg []byte, q, project string, t table) ([]byte, error) {
	var args []any
	if project != "" {
		args = append(args, project)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var obj []byte
		if err := rows.Scan(&obj); err != nil {
			return nil, err
		}
		if project != "" {
			p := protowire.AppendString(protowire.AppendTag(nil, t.projectField, protowire.BytesType), project)
			if t.specField != 0 {
				p = protowire.AppendBytes(protowire.AppendTag(nil, t.specField, protowire.BytesType), p)
			}
			obj = append(obj, p...)
		}
		reg = protowire.AppendTag(reg, t.field, protowire.BytesType)
		reg = protowire.AppendBytes(reg, obj)
	}
	return reg, rows.Err()
}

// notRegistry is the hint of an error about a missing table.
var notRegistry = " (not a Feast SQL registry, or one Feast has not created yet: fsmon reads the tables " + strings.Join(Tables(), ", ") + ")"

// explain turns a driver error into a message a user can act on, without
// the password.
func (s Source) explain(err error) string {
	msg := s.scrub(err.Error())
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return msg + " (check the user and password in registry.path)"
		case "42P01":
			return msg + notRegistry
		case "42501":
			return msg + " (fsmon needs SELECT on " + strings.Join(Tables(), ", ") + ")"
		}
	}
	if h := mysqlHint(err); h != "" {
		return msg + h
	}
	if strings.Contains(msg, "no such table") {
		return msg + notRegistry
	}
	return msg
}
