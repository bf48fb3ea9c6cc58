// Package web is upstat's dashboard: server-rendered HTML pages (overview,
// vendor, incident, alerts) with their CSS and a small script embedded in
// the binary. The pages read through upstat.Reader; the script follows the
// API's SSE stream and re-renders the live part of the page when an event
// concerns it, so a big screen never needs a reload.
//
// Every vendor-supplied string is escaped by html/template; update bodies
// are shown as text; only http(s) links are ever rendered; and every
// response carries a Content-Security-Policy that allows only the
// dashboard's own script and stylesheet.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

//go:embed templates static
var assets embed.FS

// ContentSecurityPolicy is sent with every dashboard response: our own
// script and stylesheet only, no inline code, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// AlertLister lists the alerts firing now.
type AlertLister interface {
	Firing(ctx context.Context) ([]upstat.Alert, error)
}

// RuleCounter is implemented by an AlertLister that knows how many rules
// it evaluates; with none, /alerts says alerting is not configured
// instead of "no alerts are firing".
type RuleCounter interface {
	RuleCount() int
}

// Options are the dashboard's dependencies.
type Options struct {
	// Reader is where every page reads from. Required.
	Reader upstat.Reader
	// Events, when set, means live events are served at EventsURL and the
	// pages follow them. When nil, the pages refresh themselves every
	// minute instead.
	Events upstat.EventSource
	// Alerts lists firing alerts for /alerts; nil shows that alerting is
	// not configured.
	Alerts AlertLister
	// Services reads the team's services for /services and the vendor
	// pages' "affects"; nil shows that none are configured.
	Services upstat.ServiceReader
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log receives one line per failed request; slog.Default when nil.
	Log *slog.Logger
	// EventsURL is the SSE stream the pages follow; "/api/v1/events" when
	// empty. A "token" query parameter of the page is passed on to it.
	EventsURL string
	// GroupBy is the vendor label (e.g. "tier" or "team") the overview
	// groups by unless the page asks for another with ?group=.
	GroupBy string
	// HistoryDays is the length of the daily bars; 90 when zero.
	HistoryDays int
}

// Dashboard serves the dashboard pages. Create it with New.
type Dashboard struct {
	opts   Options
	pages  map[string]*template.Template
	static fs.FS
	// assetTag is a hash of the static files, appended to their URLs so a
	// new binary is never served stale assets.
	assetTag string
}

// New checks opts and parses the embedded templates. It returns an error
// wrapping upstat.ErrInvalid when Reader is missing.
func New(opts Options) (*Dashboard, error) {
	if opts.Reader == nil {
		return nil, fmt.Errorf("web: %w: Reader is required", upstat.ErrInvalid)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.EventsURL == "" {
		opts.EventsURL = "/api/v1/events"
	}
	if opts.HistoryDays <= 0 {
		opts.HistoryDays = 90
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	d := &Dashboard{opts: opts, static: static, pages: map[string]*template.Template{}}
	if d.assetTag, err = hashFS(static); err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	funcs := template.FuncMap{
		"sevLabel":   severityLabel,
		"sevIcon":    severityIcon,
		"sevClass":   severityClass,
		"stateLabel": stateLabel,
		"utc":        utcTime,
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"ago":        func(t time.Time) string { return ago(t, d.opts.Now()) },
		"duration":   Duration,
		"safeURL":    safeURL,
		// lagDuration renders a lag in seconds (reliability reports).
		"lagDuration": func(s *float64) string { return Duration(time.Duration(*s * float64(time.Second))) },
		"statusPage":  statusPage,
		"segments":    segments,
		"day":         func(t time.Time) string { return t.Format("Mon Jan 02") },
		"sevOf":       func(name string) (upstat.Severity, error) { return upstat.ParseSeverity(name) },
		"row":         func(p *page, i upstat.Incident) incidentRow { return incidentRow{P: p, I: i} },
		"barOf":       func(label string, b bar, days int) barView { return barView{Label: label, Bar: b, Days: days} },
	}
	for _, name := range []string{"overview", "vendor", "incident", "alerts", "services", "wall", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		d.pages[name] = t
	}
	return d, nil
}

// incidentRow is the data of the "incident-row" template.
type incidentRow struct {
	P *page
	I upstat.Incident
}

// barView is the data of the "bar" template.
type barView struct {
	Label string
	Bar   bar
	Days  int
}

// hashFS returns a short hash of every file in fsys.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// Routes returns the dashboard's handlers by ServeMux pattern, for the
// server to mount next to the API:
//
//	for pattern, h := range dash.Routes() { mux.Handle(pattern, h) }
//
// Every handler sets the Content-Security-Policy and related headers.
func (d *Dashboard) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /{$}":            d.secure(http.HandlerFunc(d.overview)),
		"GET /vendors/{id}":   d.secure(http.HandlerFunc(d.vendor)),
		"GET /incidents/{id}": d.secure(http.HandlerFunc(d.incident)),
		"GET /alerts":         d.secure(http.HandlerFunc(d.alerts)),
		"GET /services":       d.secure(http.HandlerFunc(d.services)),
		"GET /wall":           d.secure(http.HandlerFunc(d.wall)),
		"GET /static/":        d.secure(http.HandlerFunc(d.serveStatic)),
	}
}

// Handler returns the routes on a mux of their own (tests, or a server
// that serves only the dashboard).
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range d.Routes() {
		mux.Handle(pattern, h)
	}
	return mux
}

// secure adds the security headers to every response.
func (d *Dashboard) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Pages may carry ?token=: never leak it to vendor sites.
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// serveStatic serves the embedded CSS and script. URLs carrying the
// current asset tag are cached for a year; others are revalidated.
func (d *Dashboard) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	b, err := fs.ReadFile(d.static, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == d.assetTag {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+d.assetTag+`"`)
	http.ServeContent(w, r, name, time.Time{}, strings.NewReader(string(b)))
}

// page is what every template receives.
type page struct {
	Title     string
	Nav       string
	Token     string
	EventsURL string
	AssetTag  string
	// Vendor and Incident tell the script which events concern the page.
	Vendor   string
	Incident string
	Now      time.Time
	Data     any
}

// Link builds a dashboard URL: target is a path, kv are query keys and values.
// The page's token, if any, is carried over so that links keep working
// behind a read token.
func (p *page) Link(target string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if p.Token != "" {
		q.Set("token", p.Token)
	}
	if len(q) == 0 {
		return target
	}
	return target + "?" + q.Encode()
}

// PathTo builds the link to a vendor or incident by id.
func (p *page) PathTo(kind, id string) string {
	return p.Link("/" + kind + "/" + url.PathEscape(id))
}

// Asset is the URL of a static file, tagged for caching.
func (p *page) Asset(name string) string {
	return "/static/" + name + "?v=" + p.AssetTag
}

// newPage starts the template data of a request.
func (d *Dashboard) newPage(r *http.Request, title, nav string) *page {
	p := &page{Title: title, Nav: nav, Token: r.URL.Query().Get("token"), AssetTag: d.assetTag, Now: d.opts.Now().UTC()}
	if d.opts.Events != nil {
		p.EventsURL = d.opts.EventsURL
	}
	return p
}

// render writes a page with the given status.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf strings.Builder
	if err := d.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		d.opts.Log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// fail renders the error page: 404 for ErrNotFound, 400 for ErrInvalid,
// 500 (logged) for anything else.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong while reading the status data."
	switch {
	case errors.Is(err, upstat.ErrNotFound):
		status, msg = http.StatusNotFound, "There is no such page."
	case errors.Is(err, upstat.ErrInvalid):
		status, msg = http.StatusBadRequest, err.Error()
	default:
		d.opts.Log.Error("dashboard request", "path", r.URL.Path, "err", err)
	}
	p := d.newPage(r, http.StatusText(status), "")
	p.Data = msg
	d.render(w, r, status, "error", p)
}
