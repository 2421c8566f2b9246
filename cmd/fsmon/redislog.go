package main

import (
	"context"
	"fmt"
	"log/slog"

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
	return log
}
