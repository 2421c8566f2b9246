#!/usr/bin/env bash
# Issue 10's cluster figures, from redisstore's BenchmarkClusterSample: a
# 3-master Redis Cluster and a single redis-server, both started by the
# benchmark and loaded with the same ENTITIES hashes of ten features
# (default 3,000,000: about 3 GB of memory for both), then
#
#   (a) a 100k sample at full speed from the cluster and from the single
#       server, in turn, ROUNDS times: medians and their ratio (target:
#       cluster no slower), and the largest gap between a master's share
#       of the sample and its share of the keys (DBSIZE on each master;
#       target: within 5%);
#   (b) the p99 latency of another client's HGETALL on each master, without
#       and with fsmon sampling the cluster at the default pacing (1000
#       entities/s), ROUNDS interleaved rounds of LAT_SECONDS (target: the
#       p99 rises by < 20% on each master).
#
# Usage: bench/redis_cluster.sh   (needs redis-server, redis-cli, go)
#   ENTITIES=3000000 ROUNDS=5 LAT_SECONDS=3. Loading 3M takes about 1-2
#   minutes on 2 cores. Timings are noisy on a shared machine: run it when
#   the machine is otherwise idle and state the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTITIES=${ENTITIES:-3000000}
ROUNDS=${ROUNDS:-5}
LAT_SECONDS=${LAT_SECONDS:-3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $ENTITIES entities, $ROUNDS rounds"
go test -c -o "$DIR/redisstore.test" ./redisstore
cd "$DIR"
FSMON_BENCH_CLUSTER=$ENTITIES FSMON_BENCH_LAT_SECONDS=$LAT_SECONDS CI=true \
  ./redisstore.test -test.run '^$' -test.bench ClusterSample -test.benchtime "${ROUNDS}x" -test.timeout 60m 2>&1 |
  grep -v -E '^(goos|goarch|pkg|cpu):'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
