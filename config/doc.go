// Package config loads fsmon's YAML configuration (docs/contract.md section 2)
// into Config, with every default applied, and reports every problem of a
// file at once, each as FILE:LINE:COL: message.
//
// The file is decoded into a yaml.Node tree (go.yaml.in/yaml/v3) and walked
// against the schema, in the manner of Prometheus's rulefmt: unknown keys,
// duplicate keys, wrong types, bad durations and out-of-range values are
// reported at the node that holds them, and the walk goes on. After that,
// when a feast section is present, views are discovered from the Feast
// repo (discoverFeast, feast.go); then defaults are applied to listed and
// discovered views alike and the checks that need the final view list run
// (required fields by layout, key templates, duplicate names, threshold
// order). Errors from that last step still point into the file, because the
// nodes of each listed view are kept.
//
// Conventions a user can rely on:
//
//   - Durations use Prometheus syntax (90s, 2h, 1h30m, 7d, 2w, 1y).
//   - A key with a null value (`key:`, `~`, `null`) counts as omitted,
//     except a threshold's warn or crit, where null means "no threshold".
//   - A check whose warn or crit is omitted takes the contract's default for
//     it; warn must be the less bad level (null_rate, freshness and psi:
//     warn <= crit; coverage and consistency: warn >= crit).
//   - Relative file paths (password_file, webhook_url_file, token_file,
//     state_file, offline.parquet.root, feast.repo) are relative to the
//     config file's directory, as in Prometheus; offline.parquet.root
//     defaults to that directory. View offline paths are relative to root.
//   - Secrets are never in the file: password_file / password_env /
//     FSMON_REDIS_PASSWORD for Redis, webhook_url_file or token_file for
//     Slack. A literal password, token or webhook_url, or a password inside
//     online.redis.url, is an error whose message does not repeat it.
//   - YAML anchors, aliases and merge keys (<<) work; a file holds one
//     YAML document.
package config
