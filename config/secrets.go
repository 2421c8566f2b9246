package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Password returns the Redis password: the contents of PasswordFile (a
// trailing newline removed), else the environment variable PasswordEnv,
// else FSMON_REDIS_PASSWORD when set and not empty, else the password of
// the Feast repo's connection_string (RepoPassword), else "" (no password).
// The value is never part of an error; callers must not log it either.
func (r Redis) Password() (string, error) {
	if r.PasswordFile != "" {
		b, err := os.ReadFile(r.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("read online.redis.password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if r.PasswordEnv != "" {
		v, ok := os.LookupEnv(r.PasswordEnv)
		if !ok {
			return "", fmt.Errorf("environment variable %s (online.redis.password_env) is not set", r.PasswordEnv)
		}
		return v, nil
	}
	if v := os.Getenv(PasswordEnvDefault); v != "" {
		return v, nil
	}
	return r.RepoPassword, nil
}

// Password returns the Sentinels' password: the contents of PasswordFile
// (a trailing newline removed), or "" when none is set. The value is never
// part of an error.
func (s Sentinel) Password() (string, error) {
	if s.PasswordFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("read online.redis.sentinel.password_file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// Secret returns the Slack credential: kind is "webhook" (value is the
// incoming-webhook URL) or "token" (a bot token), read from the file the
// config names, surrounding whitespace removed. Neither the value nor any
// part of it appears in errors.
func (s Slack) Secret() (kind, value string, err error) {
	var path, key string
	switch {
	case s.WebhookURLFile != "":
		kind, path, key = "webhook", s.WebhookURLFile, "slack.webhook_url_file"
	case s.TokenFile != "":
		kind, path, key = "token", s.TokenFile, "slack.token_file"
	default:
		return "", "", errors.New("slack: neither webhook_url_file nor token_file is set")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w", key, err)
	}
	value = strings.TrimSpace(string(b))
	if value == "" {
		return "", "", fmt.Errorf("%s %s is empty", key, path)
	}
	if kind == "webhook" {
		u, err := url.Parse(value)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			// Do not wrap err: url errors quote the value.
			return "", "", fmt.Errorf("%s %s does not hold an https:// webhook URL", key, path)
		}
	}
	return kind, value, nil
}
