// Package instatus is the adapter for status pages hosted by Instatus
// (*.instatus.com or a custom domain): kind instatus. It reads the page's
// summary (/summary.json, or the /v2/ and /v3/ versions) for the page
// status, active incidents and maintenances, and its components
// (/v2/components.json or /v3/components.json) with their groups.
package instatus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	fetchdoc "github.com/upstat/upstat/sources/internal/document"
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
		Detect:  &sources.Detector{Order: 30, Probe: probe},
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
	summaryDoc, componentsDoc fetchdoc.Doc
	fetcher                   *sources.Fetcher
	mapper                    *normalize.Mapper
	now                       func() time.Time
	// What the last recorded snapshot was built from: a document is
	// parsed again only when its body changed. components is nil for a
	// page without a components endpoint.
	summary    *summaryDoc
	components *componentsDoc
}

// New builds a Source. spec.URL is the page's address
// (https://status.example.com) or one of its summary URLs
// (…/v3/summary.json); components are read from the same API version
// (v2 for the legacy /summary.json). The kind has no options.
func New(spec sources.Spec, env sources.Env) (*Source, error) {
	if err := sources.DecodeOptions(spec, Kind, &struct{}{}); err != nil {
		return nil, err
	}
	summary, components, err := endpoints(spec.URL)
	if err != nil {
		return nil, err
	}
	env = sources.WithDefaults(env)
	doc := func(u string) fetchdoc.Doc {
		return fetchdoc.Doc{URL: u, Accept: "application/json", Check: fetchdoc.JSON, DigestOnly: true}
	}
	s := &Source{summaryDoc: doc(summary), componentsDoc: doc(components), fetcher: env.Fetcher, mapper: env.Mapper, now: env.Now}
	return s, nil
}

var summarySuffix = regexp.MustCompile(`(/v[23])?/summary\.json$`)

// endpoints returns the summary and components URLs for a configured url.
func endpoints(raw string) (summary, components string, err error) {
	u, err := sources.ParseHTTPURL(raw, "page URL")
	if err != nil {
		return "", "", err
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
	sg, err := s.summaryDoc.Get(ctx, s.fetcher)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	cg, err := s.componentsDoc.Get(ctx, s.fetcher)
	var herr *sources.HTTPError
	switch {
	case errors.As(err, &herr) && herr.Status == http.StatusNotFound:
		cg = nil
	case err != nil:
		return nil, fmt.Errorf("components: %w", err)
	}
	summary, comps := s.summary, s.components
	if sg.Changed {
		if summary, err = decodeSummary(sg.Body); err != nil {
			return nil, fmt.Errorf("summary: %w", err)
		}
	}
	switch {
	case cg == nil:
		comps = nil
	case cg.Changed:
		if comps, err = decodeComponents(cg.Body); err != nil {
			return nil, fmt.Errorf("components: %w", err)
		}
	}
	// A components document that answers again after a recorded 404 is
	// Changed: the 404's commit made its Doc forget.
	unchanged := !sg.Changed && (cg == nil && s.components == nil || cg != nil && !cg.Changed)
	snap := &upstat.Snapshot{NotModified: true}
	if !unchanged {
		snap = build(s.mapper, summary, comps)
	}
	snap.OnCommit(func() {
		sg.Commit()
		if cg == nil {
			s.componentsDoc.Forget()
		} else {
			cg.Commit()
		}
		s.summary, s.components = summary, comps
	})
	return snap, nil
}
