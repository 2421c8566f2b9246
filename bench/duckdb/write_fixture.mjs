// Writes parquetstore/testdata/duckdb_rows.parquet with DuckDB's own Parquet
// writer, so that parquetstore is tested on a file it did not write (DuckDB
// uses data page v1, its own encodings and statistics). The rows follow
// mkRow in parquetstore/helpers_test.go: row i has driver_id i % 100,
// event_timestamp 2026-11-01 00:00 UTC + i minutes, conv_rate i / 1000 (null
// when i % 10 = 0), acc_rate i % 7, trips i, city Paris/Lyon/Nice by i % 3,
// active when i is even.
//
//   cd "$(mktemp -d)" && npm install @duckdb/node-api@1.5.6-r.1 &&
//   node /path/to/write_fixture.mjs /path/to/parquetstore/testdata/duckdb_rows.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const out = process.argv[2];
if (!out) {
  console.error('usage: node write_fixture.mjs OUT.parquet');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET TimeZone = 'UTC'`);
await conn.run(`COPY (
  SELECT (i % 100)::BIGINT AS driver_id,
         TIMESTAMP '2026-11-01 00:00:00' + to_minutes(i) AS event_timestamp,
         CASE WHEN i % 10 = 0 THEN NULL ELSE i / 1000 END::DOUBLE AS conv_rate,
         (i % 7)::FLOAT AS acc_rate,
         i::INTEGER AS trips,
         ['Paris', 'Lyon', 'Nice'][i % 3 + 1] AS city,
         i % 2 = 0 AS active
  FROM range(6000) t(i)
) TO '${out.replaceAll("'", "''")}' (FORMAT parquet, ROW_GROUP_SIZE 2048, COMPRESSION zstd)`);
const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER, count(DISTINCT row_group_id)::INTEGER FROM parquet_metadata('${out.replaceAll("'", "''")}')`);
console.log('wrote', out, r.getRows());
