// Package cluster decides which replica polls which vendor. A Membership
// says whether this replica owns a key (a vendor id) right now; Single owns
// everything (one process, SQLite), Leased shares the keys among the
// replicas registered in a Store (PostgreSQL) through leases with expiry,
// assigned by rendezvous hashing over the live replicas.
package cluster

import (
	"context"
	"errors"
	"time"
)

// ErrFenced is returned by a fenced write whose lease is no longer held:
// it expired, or the key changed hands (a newer generation).
var ErrFenced = errors.New("cluster: lease no longer held")

// Membership is this replica's view of the cluster.
type Membership interface {
	// Owns reports whether this replica may poll key now. It is cheap and
	// safe for concurrent use: the scheduler asks it whenever a poll is due.
	Owns(key string) bool
	// SetKeys replaces the set of keys to share (the configured vendors).
	SetKeys(keys []string)
	// Run keeps the membership alive (heartbeat, leases) until ctx ends.
	// It returns ctx's error; a failing store is logged and retried, and
	// while it fails the leases run out and Owns turns false.
	Run(ctx context.Context) error
	// Leave releases this replica's leases and registration so the others
	// take over at once (graceful shutdown). A replica that dies without
	// calling it is taken over once its leases expire.
	Leave(ctx context.Context) error
	// Replicas lists the replicas known to the cluster, with their leases.
	Replicas(ctx context.Context) ([]Replica, error)
	// Self is this replica's id.
	Self() string
}

// AlertEngineKey is the lease of the replica that evaluates the alert
// rules (a vendor id never contains ':').
const AlertEngineKey = "upstat:alert-engine"

// Replica is one upstat process in the cluster.
type Replica struct {
	ID          string    `json:"id"`
	StartedAt   time.Time `json:"started_at"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
	// ExpiresAt is when the registration runs out without a heartbeat
	// (zero, and omitted, for a Single replica).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Live is false once the replica missed its heartbeats for lease_ttl.
	Live   bool    `json:"live"`
	Leases []Lease `json:"leases"`
}

// Lease is a replica's right to poll one key until ExpiresAt.
type Lease struct {
	Key     string `json:"key"`
	Replica string `json:"replica"`
	// Generation grows by one each time the key changes hands (never on
	// renewal): a fencing token, so a write made under an older generation
	// can be told from the current holder's.
	Generation int64 `json:"generation"`
	// ExpiresAt is zero (omitted) for a Single replica's lease.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}
