package main

import (
	"context"
	"fmt"
	stdlog "log"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisLog routes go-redis's own log lines (pool dial failures, which
// fsmon already reports as error results and metrics) to the debug level
// of the process's logger instead of standard error.
type redisLog struct{ log *slog.Logger }

func (r redisLog) Printf(_ context.Context, format string, v ...any) {
	r.log.Debug("go-redis", "msg", fmt.Sprintf(format, v...))
}

// useLogger makes log the process's logger for libraries with global
// loggers. go-redis has one, so it is set here, once per command, in main
// and nowhere else.
func useLogger(log *slog.Logger) *slog.Logger {
	redis.SetLogger(redisLog{log})
	stdlog.SetFlags(0)
	stdlog.SetPrefix("")
	stdlog.SetOutput(stdLog{log})
	return log
}

// stdLog routes the standard log package (parquet-go prints its warnings,
// such as "WARNING: DECIMAL annotated with Int64 ...", through it) to the
// warn level of the process's logger, so every line on standard error is
// structured.
type stdLog struct{ log *slog.Logger }

func (s stdLog) Write(p []byte) (int, error) {
	s.log.Warn("library log", "text", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
