package feasttest

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"google.golang.org/protobuf/proto"

	"github.com/fsmon/fsmon/feast/feastpb"
)

// ddl holds Feast's SQL registry tables per dialect, as SQLAlchemy renders
// Feast's declarations (ddl/gen.py).
//
//go:embed ddl/postgresql.sql ddl/sqlite.sql ddl/mysql.sql
var ddl embed.FS

// CreateSQLRegistry creates Feast's SQL registry tables in db; dialect is
// "postgresql", "sqlite" or "mysql" (MariaDB too).
func CreateSQLRegistry(ctx context.Context, db *sql.DB, dialect string) error {
	b, err := ddl.ReadFile("ddl/" + dialect + ".sql")
	if err != nil {
		return fmt.Errorf("Feast registry DDL for %q: %w", dialect, err)
	}
	for _, stmt := range strings.Split(string(b), ";\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(l, "--") {
				lines = append(lines, l)
			}
		}
		if stmt = strings.TrimSpace(strings.Join(lines, "\n")); stmt == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create Feast registry table: %w\n%s", err, stmt)
		}
	}
	return nil
}

// ApplySQLRegistry writes views of project into Feast's SQL registry tables
// in db as Feast's SqlRegistry does on `feast apply`: a row per object (the
// view, its batch source, its entities) holding the serialized proto,
// project_id and last_updated_timestamp = at in unix seconds; the project's
// row in projects; and the project's last_updated_timestamp and
// project_uuid in feast_metadata. Rows already there are replaced, in one
// transaction. Statements are written with $N placeholders, which
// PostgreSQL and SQLite take; on MySQL they become ?.
func ApplySQLRegistry(ctx context.Context, db *sql.DB, project string, at time.Time, views ...RegistryView) error {
	for i := range views {
		views[i].Project = project
	}
	reg, err := registryProto(views)
	if err != nil {
		return err
	}
	tx, err := begin(ctx, db)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	ts := at.Unix()
	put := func(tbl, nameCol, protoCol, name string, m proto.Message) error {
		b, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = $1 AND project_id = $2", tbl, nameCol), name, project); err != nil {
			return fmt.Errorf("%s %q: %w", tbl, name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s, project_id, last_updated_timestamp, %s) VALUES ($1, $2, $3, $4)", tbl, nameCol, protoCol),
			name, project, ts, b); err != nil {
			return fmt.Errorf("%s %q: %w", tbl, name, err)
		}
		return nil
	}
	for _, fv := range reg.GetFeatureViews() {
		if err := put("feature_views", "feature_view_name", "feature_view_proto", fv.GetSpec().GetName(), fv); err != nil {
			return err
		}
		if err := putSource(put, fv.GetSpec().GetBatchSource(), project); err != nil {
			return err
		}
		if err := putEntities(put, fv.GetSpec().GetEntityColumns(), project); err != nil {
			return err
		}
	}
	for _, fv := range reg.GetStreamFeatureViews() {
		if err := put("stream_feature_views", "feature_view_name", "feature_view_proto", fv.GetSpec().GetName(), fv); err != nil {
			return err
		}
		if err := putSource(put, fv.GetSpec().GetBatchSource(), project); err != nil {
			return err
		}
	}
	for _, fv := range reg.GetOnDemandFeatureViews() {
		if err := put("on_demand_feature_views", "feature_view_name", "feature_view_proto", fv.GetSpec().GetName(), fv); err != nil {
			return err
		}
	}
	if err := putProject(ctx, tx, project, ts); err != nil {
		return err
	}
	return tx.Commit()
}

// ApplySQLSavedDataset writes a saved dataset (a serialized
// feast.core.SavedDataset, see SavedDatasetProto) of project into the
// saved_datasets table, as Feast's apply_saved_dataset does.
func ApplySQLSavedDataset(ctx context.Context, db *sql.DB, project, name string, at time.Time, ds []byte) error {
	tx, err := begin(ctx, db)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "DELETE FROM saved_datasets WHERE saved_dataset_name = $1 AND project_id = $2", name, project); err != nil {
		return fmt.Errorf("saved dataset %q: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO saved_datasets (saved_dataset_name, project_id, last_updated_timestamp, saved_dataset_proto) VALUES ($1, $2, $3, $4)",
		name, project, at.Unix(), ds); err != nil {
		return fmt.Errorf("saved dataset %q: %w", name, err)
	}
	if err := putProject(ctx, tx, project, at.Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteSQLView removes the feature view name of project from the registry
// tables, as `feast apply` does for a view taken out of the repo.
func DeleteSQLView(ctx context.Context, db *sql.DB, project, name string, at time.Time) error {
	tx, err := begin(ctx, db)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, t := range []string{"feature_views", "stream_feature_views", "on_demand_feature_views"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE feature_view_name = $1 AND project_id = $2", name, project); err != nil {
			return fmt.Errorf("%s %q: %w", t, name, err)
		}
	}
	if err := putProject(ctx, tx, project, at.Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

type putFunc func(tbl, nameCol, protoCol, name string, m proto.Message) error

func putSource(put putFunc, ds *feastpb.DataSource, project string) error {
	if ds == nil {
		return nil
	}
	ds = proto.Clone(ds).(*feastpb.DataSource)
	ds.Project = project
	return put("data_sources", "data_source_name", "data_source_proto", ds.GetName(), ds)
}

func putEntities(put putFunc, cols []*feastpb.FeatureSpec, project string) error {
	for _, c := range cols {
		e := &feastpb.Entity{Spec: &feastpb.EntitySpec{Name: c.GetName(), JoinKey: c.GetName(), ValueType: c.GetValueType(), Project: project}}
		if err := put("entities", "entity_name", "entity_proto", c.GetName(), e); err != nil {
			return err
		}
	}
	return nil
}

// putProject writes the project's row and its feast_metadata rows, as
// SqlRegistry's apply_project and _set_last_updated_metadata do after
// every change.
func putProject(ctx context.Context, tx txn, project string, ts int64) error {
	b, err := proto.Marshal(&feastpb.Project{Spec: &feastpb.ProjectSpec{Name: project}})
	if err != nil {
		return err
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{"DELETE FROM projects WHERE project_id = $1", []any{project}},
		{"INSERT INTO projects (project_id, project_name, last_updated_timestamp, project_proto) VALUES ($1, $2, $3, $4)", []any{project, project, ts, b}},
		{"DELETE FROM feast_metadata WHERE project_id = $1", []any{project}},
		{"INSERT INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES ($1, $2, $3, $4)", []any{project, "last_updated_timestamp", fmt.Sprint(ts), ts}},
		{"INSERT INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES ($1, $2, $3, $4)", []any{project, "project_uuid", "00000000-0000-4000-8000-" + fmt.Sprintf("%012x", len(project)), ts}},
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("project %q: %w", project, err)
		}
	}
	return nil
}

// txn is a transaction whose statements are written with $N
// placeholders, each used once and in order; on MySQL they become ?.
type txn struct {
	*sql.Tx
	mysql bool
}

func begin(ctx context.Context, db *sql.DB) (txn, error) {
	tx, err := db.BeginTx(ctx, nil)
	var my bool
	switch db.Driver().(type) {
	case *mysql.MySQLDriver, mysql.MySQLDriver:
		my = true
	}
	return txn{Tx: tx, mysql: my}, err
}

var placeholder = regexp.MustCompile(`\$[0-9]+`)

// ExecContext runs q in the transaction.
func (t txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.mysql {
		q = placeholder.ReplaceAllString(q, "?")
	}
	return t.Tx.ExecContext(ctx, q, args...)
}
