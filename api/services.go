package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
)

// servicesResponse is the body of GET /api/v1/services.
type servicesResponse struct {
	Services []upstat.ServiceStatus `json:"services"`
}

// handleServices serves GET /api/v1/services: every configured service
// with its derived status (an empty list when none is configured).
func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) {
	out := servicesResponse{Services: []upstat.ServiceStatus{}}
	if s.opt.Services != nil {
		list, err := s.opt.Services.Services(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, svc := range list {
			out.Services = append(out.Services, serviceUTC(svc))
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// handleService serves GET /api/v1/services/{id}.
func (s *Server) handleService(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.opt.Services == nil {
		s.writeError(w, r, notFound("unknown service %q", id))
		return
	}
	svc, err := s.opt.Services.Service(r.Context(), id)
	if err != nil {
		s.writeError(w, r, readerError(err, "unknown service %q", id))
		return
	}
	s.writeJSON(w, r, http.StatusOK, serviceUTC(*svc))
}

// serviceUTC returns a copy of svc with every time in UTC and every list
// non-nil.
func serviceUTC(svc upstat.ServiceStatus) upstat.ServiceStatus {
	svc.Since = utcPtr(svc.Since)
	deps := make([]upstat.DependencyStatus, len(svc.Dependencies))
	for i, d := range svc.Dependencies {
		d.ChangedAt = utcPtr(d.ChangedAt)
		deps[i] = d
	}
	incs := make([]upstat.Incident, len(svc.Incidents))
	for i, in := range svc.Incidents {
		in.Updates = nil
		incs[i] = incidentUTC(in)
	}
	svc.Dependencies, svc.Incidents = deps, incs
	return svc
}

// serviceCollector exports every service's derived status at scrape time.
type serviceCollector struct {
	reader  upstat.ServiceReader
	log     *slog.Logger
	status  *prometheus.Desc
	tainted *prometheus.Desc
}

var _ prometheus.Collector = (*serviceCollector)(nil)

func newServiceCollector(r upstat.ServiceReader, log *slog.Logger) *serviceCollector {
	return &serviceCollector{
		reader: r,
		log:    log,
		status: prometheus.NewDesc("upstat_service_status",
			"Service status derived from its dependencies, on the upstat_vendor_status scale (-1 unknown).",
			[]string{"service"}, nil),
		tainted: prometheus.NewDesc("upstat_service_tainted",
			"1 when a dependency of the service is unknown or stale (the service may be worse than its status), else 0.",
			[]string{"service"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *serviceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.status
	ch <- c.tainted
}

// Collect implements prometheus.Collector; a read failure is an invalid
// metric.
func (c *serviceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	list, err := c.reader.Services(ctx)
	if err != nil {
		c.log.Error("api: collect service metrics", "err", err)
		ch <- prometheus.NewInvalidMetric(c.status, err)
		return
	}
	for _, svc := range list {
		gauge(ch, c.status, float64(svc.Status), svc.ID)
		gauge(ch, c.tainted, boolFloat(svc.Tainted), svc.ID)
	}
}
