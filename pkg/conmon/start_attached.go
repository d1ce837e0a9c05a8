package conmon

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// StartAttached is Start for a process that runs as soon as the runtime
// returns (an exec session): the monitor waits for this caller's attach
// connection before it runs the runtime (Config.AttachWait), so the
// returned Conn receives all of the process's output. The socket appears
// once the monitor listens; until then the connection is retried.
func StartAttached(ctx context.Context, monitorBinary string, cfg Config) (*Started, *Conn, error) {
	if cfg.AttachSocket == "" {
		return nil, nil, errors.New("start monitor: attaching needs AttachSocket")
	}
	cfg.AttachWait = true
	type result struct {
		started *Started
		err     error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Start(ctx, monitorBinary, cfg)
		done <- result{s, err}
	}()
	var conn *Conn
	for wait := time.Millisecond; conn == nil; wait = min(2*wait, 20*time.Millisecond) {
		c, err := Dial(ctx, cfg.AttachSocket)
		if err == nil {
			conn = c
			break
		}
		select {
		case r := <-done:
			// The monitor reported before this client got through: it
			// failed, or it gave up waiting.
			if r.err != nil {
				return nil, nil, r.err
			}
			return r.started, nil, fmt.Errorf("attach %s: the monitor ran without this client: %w", cfg.AttachSocket, err)
		case <-ctx.Done():
			r := <-done
			if r.err != nil {
				return nil, nil, r.err
			}
			return r.started, nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	r := <-done
	if r.err != nil {
		conn.Close()
		return nil, nil, r.err
	}
	return r.started, conn, nil
}
