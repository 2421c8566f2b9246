package servertest

import (
	"net"
	"strconv"
	"testing"
)

// TestFreePorts: the ports differ, lie below the ephemeral range with
// their Redis Cluster bus ports (port + 10000), and can be bound.
func TestFreePorts(t *testing.T) {
	ports, err := FreePorts(11)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Errorf("port %d twice in %v", p, ports)
		}
		seen[p] = true
		if p < portLow || p > portHigh || p+10000 >= 32768 {
			t.Errorf("port %d (bus %d) not in %d-%d below the ephemeral floor 32768", p, p+10000, portLow, portHigh)
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Errorf("port %d is not free: %v", p, err)
			continue
		}
		l.Close()
	}
}
