// Package instatus is the adapter for status pages hosted by Instatus
// (*.instatus.com or a custom domain): kind instatus. It reads the page's
// summary (/summary.json, or the /v2/ and /v3/ versions) for the page
// status, active incidents and maintenances, and its components
// (/v2/components.json or /v3/components.json) with their groups.
package instatus

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
)

// Kind is the name this adapter registers under; it is also the name of
// its severity_map domain.
const Kind = "instatus"

func init() {
	normalize.RegisterDomain(Kind, vocabulary)
	hooks.Register(Kind, decodePush)
	sources.Register(sources.Kind{
		Name:    Kind,
		New:     func(spec sources.Spec, env sources.Env) (sources.Source, error) { return New(spec, env) },
		Summary: "Instatus pages: /summary.json (v1-v3) and /v2/components.json",
	})
}

// vocabulary maps Instatus's words to our scale: component statuses and
// incident impacts (the same words; no "critical") and page statuses.
var vocabulary = map[string]upstat.Severity{
	"OPERATIONAL":         upstat.Operational,
	"UNDERMAINTENANCE":    upstat.Maintenance,
	"DEGRADEDPERFORMANCE": upstat.Degraded,
	"PARTIALOUTAGE":       upstat.PartialOutage,
	"MINOROUTAGE":         upstat.PartialOutage,
	"MAJOROUTAGE":         upstat.MajorOutage,
	"UP":                  upstat.Operational,
	"HASISSUES":           upstat.Degraded,
}

var _ sources.Source = (*Source)(nil)

// Source polls one Instatus page. Polls are never concurrent.
type Source struct {
	summaryURL, componentsURL string
	fetcher                   *sources.Fetcher
	mapper                    *normalize.Mapper
	now                       func() time.Time
	// What the last recorded snapshot was built from: a document is
	// parsed again only when its body changed.
	summary    kept[summaryDoc]
	components kept[componentsDoc]
}

// kept is one document as last recorded: its body digest and its decoded
// form (nil for a page without a components endpoint).
type kept[T any] struct {
	sum [sha256.Size]byte
	ok  bool
	doc *T
}

// New builds a Source. spec.URL is the page's address
// (https://status.example.com) or one of its summary URLs
// (…/v3/summary.json); components are read from the same API version
// (v2 for the legacy /summary.json). The kind has no options.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	if spec.Decode != nil {
		var none struct{}
		if err := spec.Decode(&none); err != nil {
			return nil, fmt.Errorf("%w: instatus options: %w", upstat.ErrInvalid, err)
		}
	}
	summary, components, err := endpoints(spec.URL)
	if err != nil {
		return nil, err
	}
	s := &Source{summaryURL: summary, componentsURL: components, fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now}
	if s.fetcher == nil {
		s.fetcher = sources.NewFetcher(sources.FetchOptions{Log: env.Log})
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

var summarySuffix = regexp.MustCompile(`(/v[23])?/summary\.json$`)

// endpoints returns the summary and components URLs for a configured url.
func endpoints(raw string) (summary, components string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("%w: url: %q is not an http(s) page URL", upstat.ErrInvalid, raw)
	}
	u.RawQuery, u.Fragment = "", ""
	path := strings.TrimRight(u.Path, "/")
	version := "/v2"
	if m := summarySuffix.FindStringSubmatch(path); m != nil {
		if m[1] != "" {
			version = m[1]
		}
		path = strings.TrimSuffix(path, m[0])
		u.Path = path + m[0]
	} else {
		u.Path = path + "/summary.json"
	}
	summary = u.String()
	u.Path = path + version + "/components.json"
	return summary, u.String(), nil
}

// Poll fetches the summary and the components, and normalises them. When
// neither body changed since the last recorded snapshot (304 or identical
// bytes) it returns NotModified. A page whose components endpoint answers
// 404 is read without components; any other failure, or a body that is
// not Instatus JSON, fails the poll. What was fetched is remembered only
// when the snapshot is recorded.
func (s *Source) Poll(ctx context.Context) (*upstat.Snapshot, error) {
	sum, sresp, err := fetch(ctx, s.fetcher, s.summaryURL, s.summary, decodeSummary)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	comps, cresp, err := fetch(ctx, s.fetcher, s.componentsURL, s.components, decodeComponents)
	var herr *sources.HTTPError
	switch {
	case errors.As(err, &herr) && herr.Status == http.StatusNotFound:
		comps, cresp = kept[componentsDoc]{ok: true}, nil
	case err != nil:
		return nil, fmt.Errorf("components: %w", err)
	}
	unchanged := sum == s.summary && comps.ok == s.components.ok && comps.sum == s.components.sum
	var snap *upstat.Snapshot
	if unchanged {
		snap = &upstat.Snapshot{NotModified: true}
	} else {
		snap = build(s.mapper, sum.doc, comps.doc)
	}
	snap.OnCommit(func() {
		sresp.Commit()
		cresp.Commit()
		s.summary, s.components = sum, comps
	})
	return snap, nil
}

// fetch gets one document. On a 304 or a body whose digest is prev's it
// returns prev, parsing nothing; otherwise the decoded document. A 304
// with nothing kept (validators of another Source of the same URL) is
// fetched again in full.
func fetch[T any](ctx context.Context, f *sources.Fetcher, u string, prev kept[T], decode func([]byte) (*T, error)) (kept[T], *sources.Response, error) {
	resp, err := f.Get(ctx, u, "application/json")
	if err == nil && resp.NotModified && (!prev.ok || prev.doc == nil) {
		f.Forget(u)
		resp, err = f.Get(ctx, u, "application/json")
	}
	if err != nil {
		return prev, nil, err
	}
	if resp.NotModified {
		return prev, resp, nil
	}
	next := kept[T]{sum: sha256.Sum256(resp.Body), ok: true}
	if prev.ok && next.sum == prev.sum && prev.doc != nil {
		return prev, resp, nil
	}
	if err := resp.LooksLikeJSON(); err != nil {
		return prev, nil, err
	}
	if next.doc, err = decode(resp.Body); err != nil {
		return prev, nil, err
	}
	return next, resp, nil
}
