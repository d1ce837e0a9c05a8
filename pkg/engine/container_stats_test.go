package engine

import (
	"testing"
	"time"
)

func TestParseNetDev(t *testing.T) {
	data := `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:    2048       5    0    0    0     0          0         0      512       4    0    0    0     0       0          0
  tap0:      10       1    0    0    0     0          0         0       20       1    0    0    0     0       0          0
`
	rx, tx := parseNetDev(data)
	if rx != 2058 || tx != 532 {
		t.Fatalf("rx %d tx %d, want 2058 532 (loopback left out)", rx, tx)
	}
	if rx, tx := parseNetDev(""); rx != 0 || tx != 0 {
		t.Fatalf("empty: %d %d", rx, tx)
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		cpu  uint64
		wall time.Duration
		want float64
	}{
		{500_000_000, time.Second, 50},
		{2_000_000_000, time.Second, 200}, // two CPUs busy
		{1, 0, 0},
	}
	for _, tt := range tests {
		if got := percent(tt.cpu, tt.wall); got != tt.want {
			t.Errorf("percent(%d, %v) = %v, want %v", tt.cpu, tt.wall, got, tt.want)
		}
	}
}
