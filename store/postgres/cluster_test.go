package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"testing"

	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/cluster/clustertest"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// Three replicas, each with its own pool, on one schema: shared work,
// takeover of a dead replica within the lease TTL, rebalancing on join
// and leave, never two owners of a vendor.
func TestClusterLeases(t *testing.T) {
	dsn := pgtest.Schema(t)
	clustertest.Suite(t, func() cluster.Store { return open(t, dsn).Cluster() })
}

// Replicas racing for the same free keys at the same moment end with one
// holder per key.
func TestClusterAcquireRace(t *testing.T) {
	dsn := pgtest.Schema(t)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := make([][]cluster.Lease, 4)
	var wg sync.WaitGroup
	for i := range got {
		c := open(t, dsn).Cluster()
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls, err := c.Acquire(context.Background(), fmt.Sprintf("r%d", i), keys, now, now.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			got[i] = ls
		}()
	}
	wg.Wait()
	holders := map[string]int{}
	for _, ls := range got {
		for _, l := range ls {
			holders[l.Key]++
		}
	}
	for _, k := range keys {
		if holders[k] != 1 {
			t.Fatalf("key %s acquired by %d replicas", k, holders[k])
		}
	}
}
