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
// # Which entities a sample holds
//
// SCAN starts at a random cursor on every run and wraps: it walks Redis'
// hash table from a uniformly random bucket to the end, then from bucket 0
// back to where it began, stopping as soon as it has n entities (or at the
// key budget). Redis places a key in the bucket given by a keyed hash
// (SipHash with a random per-process seed) of its name, so the bucket order
// is a pseudo-random permutation of the keys, unrelated to entity ids,
// values or write times. A run's sample is therefore a run of consecutive
// buckets from a random start in a random order of the keys: statistically
// a systematic sample of a random permutation, which behaves like a simple
// random sample of n of the N entities. In particular:
//
//   - every entity has the same chance n/N of being in a run's sample, so
//     rates (null rate, coverage, consistency) are unbiased estimates of
//     the population's, and the Wilson intervals fsmon reports for them
//     (which assume such a sample) hold;
//   - two runs overlap by n/N of their entities on average (two random arcs
//     of length n/N on a circle share (n/N)² of it): with 10,000 of 1,000,000
//     entities, about 1%; over k runs an entity is seen with probability
//     1 − (1 − n/N)^k, so problems confined to a few entities are found in
//     time instead of never;
//   - the permutation stays fixed while Redis runs (a restart or a rehash
//     reshuffles it), so entities whose keys share a bucket are always
//     sampled together: a negligible clustering at load factor ≈ 1;
//   - when the population holds at most n entities, the sample is all of it
//     and Complete is true, whatever the start.
//
// SCAN may return a key twice (while Redis rehashes, and the start bucket
// once more at the wrap); duplicates are dropped.
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
