// Times DuckDB on a store written by bench/parquet_gen, for
// bench/parquet_vs_duckdb.sh: footer statistics (newest event time and null
// counts from parquet_metadata) and USING SAMPLE n ROWS with 1, 3 and 11
// columns. Prints "name wall_ms cpu_ms" lines, medians of REPS runs after
// one warm-up (cpu_ms: user+system time of the process, all threads). Times cover running the query and materializing its result in
// DuckDB (runAndReadAll), not converting rows to JavaScript values.
//
//   node parquet_sample.mjs DIR [N] [REPS] [THREADS]
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, nArg, repsArg, threadsArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node parquet_sample.mjs DIR [N] [REPS] [THREADS]');
  process.exit(2);
}
const n = Number(nArg ?? 100000);
const reps = Number(repsArg ?? 5);
const glob = `${dir}/*.parquet`.replaceAll("'", "''");

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
if (threadsArg) {
  await conn.run(`SET threads = ${Number(threadsArg)}`);
}
const all = 'driver_id, event_timestamp, conv_rate, acc_rate, avg_daily_trips, rides_7d, rating, distance_km, income, city, active';
const ops = [
  ['footer', `SELECT max(stats_max_value::TIMESTAMP) AS newest, sum(row_group_num_rows) FILTER (WHERE path_in_schema = 'event_timestamp') AS rows FROM parquet_metadata('${glob}') WHERE path_in_schema = 'event_timestamp'`],
  ['null_counts', `SELECT path_in_schema, sum(stats_null_count) FROM parquet_metadata('${glob}') GROUP BY path_in_schema`],
  ['sample_1col', `SELECT event_timestamp FROM read_parquet('${glob}') USING SAMPLE ${n} ROWS`],
  ['sample_3col', `SELECT driver_id, event_timestamp, conv_rate FROM read_parquet('${glob}') USING SAMPLE ${n} ROWS`],
  ['sample_11col', `SELECT ${all} FROM read_parquet('${glob}') USING SAMPLE ${n} ROWS`],
];
for (const [name, sql] of ops) {
  const warm = await conn.runAndReadAll(sql);
  const info = `rows=${warm.currentRowCount}`;
  const ds = [];
  const cs = [];
  for (let i = 0; i < reps; i++) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    const r = await conn.runAndReadAll(sql);
    ds.push(Number(process.hrtime.bigint() - t) / 1e6);
    const cu = process.cpuUsage(c);
    cs.push((cu.user + cu.system) / 1e3);
    if (r.currentRowCount !== warm.currentRowCount) {
      console.error(`${name}: row count changed`);
      process.exit(1);
    }
  }
  ds.sort((a, b) => a - b);
  cs.sort((a, b) => a - b);
  const mid = Math.floor(ds.length / 2);
  console.log(`${name} ${ds[mid].toFixed(1)} ${cs[mid].toFixed(1)}\t# ${info}`);
}
