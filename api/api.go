// Package api serves upstat's HTTP interface: the JSON API under /api/v1,
// the live event stream (Server-Sent Events), Prometheus metrics, health
// probes, and the routes other packages mount on it (the dashboard). It reads
// through upstat.Reader and upstat.EventSource and never writes state itself.
//
// Authentication: when Options.ReadToken is set, every request except
// /healthz and /readyz must carry it (or the admin token) as
// "Authorization: Bearer <token>". Browsers, which cannot set that header on
// a link or an EventSource, may pass "?token=<token>" instead; a request
// authenticated that way gets an HttpOnly cookie so that the dashboard's
// following pages and its event stream work without the token in every URL.
// Any method other than GET and HEAD requires the admin token; without an
// admin token configured, such requests are always refused. The exception
// is POST /api/v1/hooks/{vendor}: inbound vendor webhooks carry their own
// per-source secret (path or X-Upstat-Webhook-Secret header), which logs
// never show.
//
// Limits: a query string over MaxQueryBytes is refused with 414, a body
// over MaxBodyBytes with 413, and every request but the event stream and
// /metrics has Options.RequestTimeout to answer (503 with code "timeout" past it). The
// event stream keeps itself alive with heartbeats, bounds each write with
// Options.SSEWriteTimeout and admits at most Options.MaxSSEClients.
//
// Listings: GET /api/v1/incidents takes limit 1..500 (default 50) and
// GET /api/v1/events limit 1..1000 (default 100); a larger limit is refused
// with 400 rather than clamped, so a short page always means the end. Every
// bad parameter is a 400 whose message names it. Cursors (next_cursor,
// since, the SSE id) are opaque strings: pass back what the API returned.
// The incidents listing's next_cursor is "" on the last page; the events
// listing's next_cursor is always where the next poll resumes.
//
// The contract: docs/openapi.yaml (OpenAPI 3.1), served as JSON at
// GET /api/v1/openapi.json. Its tests call every route and validate each
// request and answer against it, and fail for a route without a path there.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/version"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultMaxSSEClients     = 2000
	DefaultHeartbeatInterval = 15 * time.Second
	DefaultSSEWriteTimeout   = 30 * time.Second
	DefaultRequestTimeout    = 10 * time.Second
)

// Limits of a request, beside the http.Server's header limits. They are not
// configurable: nothing legitimate comes near them.
const (
	// MaxQueryBytes is the longest raw query string accepted (414 past it).
	MaxQueryBytes = 4 << 10
	// MaxBodyBytes is the largest request body accepted (413 past it).
	MaxBodyBytes = 1 << 20
)

// AlertLister lists the alerts firing now (the alert engine implements it).
type AlertLister interface {
	// Firing returns the alerts firing now; none is an empty list, not an
	// error.
	Firing(ctx context.Context) ([]upstat.Alert, error)
}

// Options are the dependencies and settings of a Server. Reader is required;
// every other field has a documented default.
type Options struct {
	// Reader answers every read (required).
	Reader upstat.Reader
	// Events feeds the live SSE stream; nil disables it (503 to SSE
	// clients; the JSON event listing still works).
	Events upstat.EventSource
	// Alerts lists firing alerts; nil serves an empty list.
	Alerts AlertLister
	// Services reads the configured services for /api/v1/services and
	// upstat_service_status; nil serves an empty list and no series.
	Services upstat.ServiceReader
	// Reports builds GET /api/v1/vendors/{id}/report; nil answers 503.
	Reports upstat.ReportReader
	// Registry is served at /metrics, followed by the vendor series
	// (written by the API itself, streamed). Nil: a new registry.
	Registry *prometheus.Registry
	// ReadToken, when set, is required on every request except the health
	// probes. AdminToken is required on every non-GET request (and also
	// accepted for reads).
	ReadToken, AdminToken string
	// Ready reports readiness for /readyz; nil means always ready.
	Ready func() error
	// Log receives request logs (debug level) and errors; nil discards.
	Log *slog.Logger
	// Now is the clock (for generated_at); nil means time.Now.
	Now func() time.Time
	// MaxSSEClients caps concurrent event-stream clients: exactly that
	// many are served, and past it a new client gets 503 with Retry-After.
	// Zero means DefaultMaxSSEClients (2000: the load test's 1,000
	// subscribers with room for dashboards beside them).
	MaxSSEClients int
	// HeartbeatInterval is how often an idle event stream gets a comment
	// line. Zero means DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// SSEWriteTimeout bounds each write to an event-stream client; a client
	// that does not read for that long is disconnected. Zero means
	// DefaultSSEWriteTimeout. Streams renew their write deadline before
	// every write, so an http.Server WriteTimeout does not cut them off.
	SSEWriteTimeout time.Duration
	// RequestTimeout bounds every request except the event stream and
	// /metrics (its scraper has its own timeout): past it the request's
	// context ends and the client gets 503 (code "timeout"). Zero means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Reload re-reads the configuration for POST /api/v1/reload (admin
	// token required). An error wrapping upstat.ErrInvalid is the
	// configuration's fault (400 with its message); any other is a 500.
	// Nil: the endpoint answers 503.
	Reload func(ctx context.Context) error
	// Hooks receives POST /api/v1/hooks/{vendor}: inbound vendor
	// webhooks, authenticated by their own per-source secret instead of
	// the API tokens. Nil: the endpoint answers 503.
	Hooks HookReceiver
	// NoComponentMetrics drops upstat_component_status from /metrics: one
	// series per component is hundreds of thousands at 10,000 vendors.
	// The vendor series stay. False (the default) exports them.
	NoComponentMetrics bool
	// Cluster lists the replicas and their leases for GET /api/v1/cluster
	// and the cluster metrics. Nil: the endpoint answers 503 and the
	// metrics are absent.
	Cluster cluster.Membership
}

// Server is the HTTP handler set of upstat. Create it with New.
type Server struct {
	opt        Options
	log        *slog.Logger
	mux        *http.ServeMux
	handler    http.Handler
	sseClients atomic.Int64
	// sseMessages encodes each event once for all streams.
	sseMessages messageCache
	// openAPI is docs/openapi.yaml as JSON, converted once by New.
	openAPI []byte
	// vendors writes the vendor series of /metrics.
	vendors *vendorMetrics
}

// New builds a Server from o, applying defaults, and registers
// upstat_build_info on o.Registry. It panics if o.Reader is nil or
// upstat_build_info is already registered on that registry, or if the embedded
// OpenAPI document does not convert to JSON (programming errors).
func New(o Options) *Server {
	if o.Reader == nil {
		panic("api: Options.Reader is required")
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxSSEClients <= 0 {
		o.MaxSSEClients = DefaultMaxSSEClients
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.SSEWriteTimeout <= 0 {
		o.SSEWriteTimeout = DefaultSSEWriteTimeout
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	spec, err := openAPIJSON()
	if err != nil {
		panic(err)
	}
	s := &Server{opt: o, log: o.Log, mux: http.NewServeMux(), openAPI: spec}
	s.vendors = &vendorMetrics{reader: o.Reader, components: !o.NoComponentMetrics}
	o.Registry.MustRegister(buildInfo(version.Read()))
	if o.Services != nil {
		o.Registry.MustRegister(newServiceCollector(o.Services, o.Log))
	}
	if o.Cluster != nil {
		o.Registry.MustRegister(newClusterCollector(o.Cluster, o.Log))
	}
	s.routes()
	s.handler = s.recoverPanics(s.logRequests(s.limitRequests(s.authenticate(s.timeoutRequests(http.HandlerFunc(s.dispatch))))))
	return s
}

// route is one of the API's own endpoints.
type route struct {
	pattern string // ServeMux pattern: "METHOD /path"
	handler http.Handler
}

// apiRoutes lists the API's own endpoints. Every one has a path in
// docs/openapi.yaml (a test checks it).
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET /api/v1/summary", http.HandlerFunc(s.handleSummary)},
		{"GET /api/v1/vendors/{id}", http.HandlerFunc(s.handleVendor)},
		{"GET /api/v1/vendors/{id}/reliability", http.HandlerFunc(s.handleReliability)},
		{"GET /api/v1/vendors/{id}/report", http.HandlerFunc(s.handleReport)},
		{"GET /api/v1/incidents", http.HandlerFunc(s.handleIncidents)},
		{"GET /api/v1/incidents/{id}", http.HandlerFunc(s.handleIncident)},
		{"GET /api/v1/events", http.HandlerFunc(s.handleEvents)},
		{"GET /api/v1/alerts", http.HandlerFunc(s.handleAlerts)},
		{"GET /api/v1/services", http.HandlerFunc(s.handleServices)},
		{"GET /api/v1/services/{id}", http.HandlerFunc(s.handleService)},
		{"GET /api/v1/cluster", http.HandlerFunc(s.handleCluster)},
		{"GET /api/v1/catalogue", http.HandlerFunc(s.handleCatalogue)},
		{"GET /api/v1/maintenance.ics", http.HandlerFunc(s.handleMaintenanceCalendar)},
		{"POST /api/v1/hooks/{vendor}", http.HandlerFunc(s.handleHook)},
		{"POST /api/v1/hooks/{vendor}/{secret}", http.HandlerFunc(s.handleHook)},
		{"POST /api/v1/reload", s.RequireAdmin(http.HandlerFunc(s.handleReload))},
		{"GET /api/v1/openapi.json", http.HandlerFunc(s.handleOpenAPI)},
		{"GET /healthz", http.HandlerFunc(s.handleHealthz)},
		{"GET /readyz", http.HandlerFunc(s.handleReadyz)},
		{"GET /metrics", http.HandlerFunc(s.handleMetrics)},
	}
}

// routes registers the API's own endpoints.
func (s *Server) routes() {
	for _, rt := range s.apiRoutes() {
		s.mux.Handle(rt.pattern, rt.handler)
	}
}

// Handler returns the complete handler: routes behind panic recovery,
// request logging, request limits, authentication and the request timeout.
func (s *Server) Handler() http.Handler { return s.handler }

// AddRoute mounts h at pattern (net/http ServeMux syntax, e.g.
// "GET /vendors/{id}" or "GET /static/"), behind the same middleware as the
// API: limits, authentication, the request timeout, logging, panic
// recovery. Routes with a method other than GET or HEAD need the admin
// token, like every non-GET request; wrap them in RequireAdmin to make that
// explicit. It panics if pattern is
// invalid or conflicts with a registered one, as ServeMux does. Call it
// before serving.
func (s *Server) AddRoute(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// dispatch routes r, answering unmatched requests (404, 405) with the JSON
// error shape instead of ServeMux's plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		w = &jsonMuxErrors{ResponseWriter: w, s: s, r: r}
	}
	s.mux.ServeHTTP(w, r)
}

// jsonMuxErrors rewrites ServeMux's plain-text 404 and 405 answers into JSON
// errors, passing everything else (redirects) through.
type jsonMuxErrors struct {
	http.ResponseWriter
	s        *Server
	r        *http.Request
	replaced bool
}

// WriteHeader replaces a 404 or 405 with the JSON error.
func (j *jsonMuxErrors) WriteHeader(code int) {
	switch code {
	case http.StatusNotFound:
		j.replaced = true
		j.s.writeError(j.ResponseWriter, j.r, notFound("no route for %s", j.r.URL.Path))
	case http.StatusMethodNotAllowed:
		j.replaced = true
		j.s.writeError(j.ResponseWriter, j.r, &apiError{kind: errMethodNotAllowed,
			msg: "method " + j.r.Method + " not allowed; allowed: " + j.Header().Get("Allow")})
	default:
		j.ResponseWriter.WriteHeader(code)
	}
}

// Write discards the mux's plain-text body once the JSON error was written.
func (j *jsonMuxErrors) Write(b []byte) (int, error) {
	if j.replaced {
		return len(b), nil
	}
	return j.ResponseWriter.Write(b)
}

// isRead reports whether a method only reads.
func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}
