package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat/cluster"
)

// clusterResponse is the body of GET /api/v1/cluster.
type clusterResponse struct {
	// Self is the id of the replica that answered.
	Self     string            `json:"self"`
	Replicas []cluster.Replica `json:"replicas"`
}

// handleCluster serves GET /api/v1/cluster: every registered replica (live
// or recently dead), its last heartbeat and its unexpired leases.
func (s *Server) handleCluster(w http.ResponseWriter, r *http.Request) {
	if s.opt.Cluster == nil {
		s.writeError(w, r, &apiError{kind: errUnavailable, msg: "cluster membership not configured"})
		return
	}
	reps, err := s.opt.Cluster.Replicas(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if reps == nil {
		reps = []cluster.Replica{}
	}
	s.writeJSON(w, r, http.StatusOK, clusterResponse{Self: s.opt.Cluster.Self(), Replicas: reps})
}

// clusterCollector exports the cluster's shape at scrape time.
type clusterCollector struct {
	m        cluster.Membership
	log      *slog.Logger
	replicas *prometheus.Desc
	owned    *prometheus.Desc
}

func newClusterCollector(m cluster.Membership, log *slog.Logger) *clusterCollector {
	return &clusterCollector{
		m:   m,
		log: log,
		replicas: prometheus.NewDesc("upstat_cluster_replicas",
			"Replicas whose heartbeat is current.", nil, nil),
		owned: prometheus.NewDesc("upstat_sources_owned",
			"Vendors (each with all its sources) a live replica holds a lease on.",
			[]string{"replica"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.replicas
	ch <- c.owned
}

// Collect implements prometheus.Collector. A failing store exports
// nothing (a gap, not a zero) and logs the error.
func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	reps, err := c.m.Replicas(ctx)
	if err != nil {
		c.log.Error("metrics: cluster replicas", "err", err)
		return
	}
	live := 0
	for _, r := range reps {
		if !r.Live {
			continue
		}
		live++
		n := 0
		for _, l := range r.Leases {
			if l.Key != cluster.AlertEngineKey {
				n++
			}
		}
		ch <- prometheus.MustNewConstMetric(c.owned, prometheus.GaugeValue, float64(n), r.ID)
	}
	ch <- prometheus.MustNewConstMetric(c.replicas, prometheus.GaugeValue, float64(live))
}
