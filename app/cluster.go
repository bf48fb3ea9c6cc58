package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/store/postgres"
)

// newMembership builds this replica's cluster membership: leases in
// opts.Cluster when replicas share a store, else a lone replica that owns
// everything.
func newMembership(cfg *config.Config, opts Options) (cluster.Membership, error) {
	id := cfg.Cluster.ReplicaID
	if id == "" {
		id = defaultReplicaID()
	}
	if opts.Cluster == nil {
		return cluster.NewSingle(id, opts.Now), nil
	}
	m, err := cluster.NewLeased(opts.Cluster, cluster.LeasedOptions{ID: id, TTL: cfg.Cluster.LeaseTTL,
		Heartbeat: cfg.Cluster.Heartbeat, Now: opts.Now, Log: opts.Log})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return m, nil
}

// defaultReplicaID is hostname-pid: unique among the processes of one
// host, and across hosts as long as their names differ.
func defaultReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "upstat"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// clusterKeys are the leases the replicas share: one per vendor (so one
// replica merges all of a vendor's sources) and the alert engine's.
func clusterKeys(cfg *config.Config) []string {
	keys := make([]string, 0, len(cfg.Vendors)+1)
	for _, v := range cfg.Vendors {
		keys = append(keys, v.ID)
	}
	return append(keys, cluster.AlertEngineKey)
}

// runMembership starts the membership's loop; the returned function
// releases this replica's leases (so the others take over at once rather
// than after lease_ttl) and stops the loop.
func (a *App) runMembership(ctx context.Context) (leave func()) {
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.member.Run(mctx)
	}()
	return func() {
		cancel()
		<-done
		lctx, cancelLeave := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelLeave()
		if err := a.member.Leave(lctx); err != nil {
			a.log.Warn("cluster: leave", "err", err)
		}
	}
}

// clusterAlerts is the alert store of a replica sharing a PostgreSQL
// database with others (its cluster store holds the leases): every write
// of alert states is fenced by the alert-engine lease (it checks, in its
// own transaction, that this replica still holds the lease in the term
// the write was computed in), so a former leader (paused, cut off) cannot
// write once another replica took over; and its delivery claims are made
// in this replica's name, so another replica takes them as soon as this
// one is no longer live. Any other store is returned as it is (SQLite:
// one process).
func clusterAlerts(s alert.Store, cs cluster.Store, m cluster.Membership, now func() time.Time) alert.Store {
	pa, okA := s.(*postgres.Alerts)
	pc, okC := cs.(*postgres.Cluster)
	lm, okM := m.(*cluster.Leased)
	if !okA || !okC || !okM {
		return s
	}
	return pa.FencedBy(pc.LeaseFence(lm, cluster.AlertEngineKey, now)).ClaimingAs(lm.Self())
}

// alertTerm says whether this replica leads the alert engine (holds the
// alert-engine lease) and in which term (the lease's generation); a
// membership without leases (one process) leads in term 0.
func (a *App) alertTerm() (int64, bool) {
	if l, ok := a.member.(interface {
		Lease(key string) (cluster.Lease, bool)
	}); ok {
		ls, held := l.Lease(cluster.AlertEngineKey)
		return ls.Generation, held
	}
	return 0, a.member.Owns(cluster.AlertEngineKey)
}
