// Package redisstore samples feature views from a Redis online store
// (standalone or Redis Cluster) for fsmon's checks. It implements
// sample.Online for three layouts: "hash" (one hash per entity, key template
// "fs:driver:{driver_id}", one field per feature plus a timestamp field),
// "string" (one string key per entity and feature, key template
// "feat:{driver_id}:{feature}") and "feast" (Feast's own Redis layout).
//
// # Sampling
//
// Sample walks the keyspace with SCAN MATCH (never KEYS): the pattern is the
// key template with every placeholder as '*' and the glob metacharacters of
// its literal text escaped; for the string layout it is the template of the
// timestamp key, so each matching key is one candidate entity. Matching keys
// are read in pipelined batches of Options.BatchSize (HMGET of the timestamp
// field and the features for hashes, MGET or, in cluster mode, GET for
// strings) and the entities holding the view's timestamp — the view's online
// population — are kept. Sample stops at n entities, at the view's key
// budget (View.MaxScan), or at the context deadline.
//
// On a Redis Cluster every shard is sampled concurrently for its share of
// n, in proportion to its keys (DBSIZE), on a node chosen by
// Options.ReadFrom; the sample's Parts and PartOf say which shard each row
// came from, and a shard that cannot be read is an error for its part only.
// Lookups are grouped by hash slot and pipelined per node.
//
// SCAN starts at cursor 0 every time. Redis returns keys in hash-table
// bucket order, which depends on a hash of the key only: a sample is
// unrelated to entity ids, values or write times, but while the keyspace is
// unchanged every run sees the same entities (a fixed panel, not a fresh
// random draw). When the population holds at most n entities the sample is
// all of it and Complete is true.
//
// # Load on Redis
//
// Options.RateLimit paces every Store's reads (entities per second; a SCAN
// call costs COUNT/3, since Redis spends about 1.3 µs per key visited by
// SCAN and 3.7 µs per HMGET of a small hash). At 5000 entities/s the sampler
// keeps Redis busy about 2.5% of the time in blocks of one batch or one SCAN
// call (≈ 130-190 µs), and another client's requests that arrive during a
// block wait for it: in bench/redis_sample.sh on a 2-core machine the p99 of
// a plain HGETALL client rose from 0.055 to 0.127 ms at 5000/s, to 0.071 ms
// at 2000/s, and to 0.42 ms unthrottled (medians of 7 runs). RateLimit 0
// reads at full speed. The only commands sent are
//
//	SCAN, HMGET, MGET, GET, PING (and HELLO/AUTH on connect,
//	SELECT when DB is not 0, CLUSTER SLOTS and DBSIZE in cluster mode)
//
// so a minimal ACL user is:
//
//	ACL SETUSER fsmon on >PASSWORD ~* resetchannels -@all +scan +hmget +mget +get +ping
//
// adding +select when DB is not 0 and +cluster|slots +dbsize for Redis
// Cluster.
//
// # Privacy
//
// Errors and log lines name the operation, the view, the SCAN pattern and
// the address, never a key or a value; Problems in a sample are counts.
package redisstore
