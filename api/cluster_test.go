package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/cluster"
)

// twoReplicas returns replica a's membership in a cluster of a and b that
// share vendors and the alert-engine lease, settled.
func twoReplicas(t *testing.T) *cluster.Leased {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := cluster.NewMemStore()
	keys := []string{"github", "stripe", "slack", "aws", "gcp", "azure", cluster.AlertEngineKey}
	var ms []*cluster.Leased
	for _, id := range []string{"a", "b"} {
		m, err := cluster.NewLeased(store, cluster.LeasedOptions{ID: id, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		m.SetKeys(keys)
		ms = append(ms, m)
	}
	for range 3 { // take, hand over, release and take
		for _, m := range ms {
			if err := m.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(10 * time.Second)
	}
	return ms[0]
}

func TestClusterEndpoint(t *testing.T) {
	m := twoReplicas(t)
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.Cluster, o.ReadToken = m, "r3ad" })
	if rec := do(s.Handler(), http.MethodGet, "/api/v1/cluster", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("without a token: %d, want 401", rec.Code)
	}
	rec := do(s.Handler(), http.MethodGet, "/api/v1/cluster", http.Header{"Authorization": {"Bearer r3ad"}})
	var body clusterResponse
	decodeJSON(t, rec, http.StatusOK, &body)
	if body.Self != "a" || len(body.Replicas) != 2 {
		t.Fatalf("body = %+v", body)
	}
	total := 0
	for _, r := range body.Replicas {
		if !r.Live || r.HeartbeatAt.IsZero() || r.ExpiresAt.IsZero() {
			t.Errorf("replica %+v: want live with heartbeat and expiry", r)
		}
		for _, l := range r.Leases {
			if l.Replica != r.ID || l.Generation < 1 || l.ExpiresAt.IsZero() {
				t.Errorf("lease %+v of %s", l, r.ID)
			}
		}
		total += len(r.Leases)
	}
	if total != 7 {
		t.Fatalf("%d leases listed, want 7 (six vendors and the alert engine)", total)
	}

	metrics := do(s.Handler(), http.MethodGet, "/metrics", http.Header{"Authorization": {"Bearer r3ad"}}).Body.String()
	if !strings.Contains(metrics, "upstat_cluster_replicas 2\n") {
		t.Errorf("metrics lack upstat_cluster_replicas 2:\n%s", grepLines(metrics, "upstat_cluster"))
	}
	owned := 0
	for _, r := range body.Replicas {
		n := len(r.Leases)
		for _, l := range r.Leases {
			if l.Key == cluster.AlertEngineKey {
				n--
			}
		}
		owned += n
		if want := `upstat_sources_owned{replica="` + r.ID + `"} `; !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if owned != 6 {
		t.Errorf("vendors leased = %d, want 6", owned)
	}
}

func TestClusterEndpointWithoutMembership(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	wantError(t, do(s.Handler(), http.MethodGet, "/api/v1/cluster", nil), http.StatusServiceUnavailable, "unavailable", "cluster")
	if m := do(s.Handler(), http.MethodGet, "/metrics", nil).Body.String(); strings.Contains(m, "upstat_cluster_replicas") {
		t.Error("cluster metrics exported without a membership")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
