#!/usr/bin/python3
"""Writes the DDL of Feast's SQL registry for PostgreSQL, SQLite and MySQL.

The tables are Feast's, as sdk/python/feast/infra/registry/sql.py declares
them (feast-dev/feast f0bc0700, 2026-08): the same names, columns, types
and indexes. SQLAlchemy (Debian's python3-sqlalchemy) renders them for
each dialect as Feast's metadata.create_all does, so fsmon's tests fill the
very tables Feast creates.

Run from this directory: /usr/bin/python3 gen.py
"""
from sqlalchemy import (BigInteger, Column, Index, Integer, LargeBinary,
                        MetaData, String, Table, Text)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

metadata = MetaData()


def table(name, *cols):
    t = Table(name, metadata, *cols)
    Index("idx_%s_project_id" % name, t.c.project_id)
    return t


def obj(name, id_col, *rest):
    return table(
        name,
        Column(id_col, String(255), primary_key=True),
        Column("project_id", String(255), primary_key=True),
        Column("last_updated_timestamp", BigInteger, nullable=False),
        *rest,
    )


projects = Table(
    "projects",
    metadata,
    Column("project_id", String(255), primary_key=True),
    Column("project_name", String(255), nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("project_proto", LargeBinary, nullable=False),
)
Index("idx_projects_project_id", projects.c.project_id)
obj("entities", "entity_name", Column("entity_proto", LargeBinary, nullable=False))
obj("data_sources", "data_source_name", Column("data_source_proto", LargeBinary, nullable=False))
obj("feature_views", "feature_view_name",
    Column("materialized_intervals", LargeBinary, nullable=True),
    Column("feature_view_proto", LargeBinary, nullable=False),
    Column("user_metadata", LargeBinary, nullable=True))
for name in ("stream_feature_views", "on_demand_feature_views", "label_views"):
    obj(name, "feature_view_name",
        Column("feature_view_proto", LargeBinary, nullable=False),
        Column("user_metadata", LargeBinary, nullable=True))
obj("feature_services", "feature_service_name", Column("feature_service_proto", LargeBinary, nullable=False))
obj("saved_datasets", "saved_dataset_name", Column("saved_dataset_proto", LargeBinary, nullable=False))
obj("validation_references", "validation_reference_name",
    Column("validation_reference_proto", LargeBinary, nullable=False))
obj("managed_infra", "infra_name", Column("infra_proto", LargeBinary, nullable=False))
obj("permissions", "permission_name", Column("permission_proto", LargeBinary, nullable=False))
history = Table(
    "feature_view_version_history",
    metadata,
    Column("feature_view_name", String(255), primary_key=True),
    Column("project_id", String(255), primary_key=True),
    Column("version_number", Integer, primary_key=True),
    Column("feature_view_type", String(50), nullable=False),
    Column("feature_view_proto", LargeBinary, nullable=False),
    Column("created_timestamp", BigInteger, nullable=False),
    Column("description", Text, nullable=True),
    Column("version_id", String(36), nullable=False),
)
Index("idx_fv_version_history_project_id", history.c.project_id)
meta = Table(
    "feast_metadata",
    metadata,
    Column("project_id", String(255), primary_key=True),
    Column("metadata_key", String(50), primary_key=True),
    Column("metadata_value", Text, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
)
Index("idx_feast_metadata_project_id", meta.c.project_id)

# MySQL (and MariaDB, which SQLAlchemy drives with the same dialect) gets
# LargeBinary as BLOB, at most 64 KiB a proto: Feast declares no LONGBLOB
# variant, so that is what its create_all makes there.
for name, dialect in (("postgresql", postgresql.dialect()), ("sqlite", sqlite.dialect()), ("mysql", mysql.dialect())):
    with open("%s.sql" % name, "w") as f:
        f.write("-- Feast's SQL registry tables for %s, written by gen.py; do not edit.\n" % name)
        for t in metadata.sorted_tables:
            f.write(str(CreateTable(t).compile(dialect=dialect)).strip() + ";\n\n")
            for ix in sorted(t.indexes, key=lambda i: i.name):
                f.write(str(CreateIndex(ix).compile(dialect=dialect)).strip() + ";\n\n")
