package incidentio

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/upstat/upstat"
	fetchdoc "github.com/upstat/upstat/sources/internal/document"
)

// Bounds on looking up incidents that left the page's document.
const (
	maxLookups     = 10 // per poll; the rest wait for the next poll
	maxLookupTries = 3  // failed lookups before the incident is left to the aggregator
)

// ongoingIDs returns the ids of the ongoing incidents a document lists.
func ongoingIDs(d *document) map[string]bool {
	list := d.Ongoing
	if d.Summary != nil {
		list = d.Summary.Ongoing
	}
	ids := make(map[string]bool, len(list))
	for i := range list {
		if list[i].ID != "" {
			ids[list[i].ID] = true
		}
	}
	return ids
}

// resolveGone looks up each incident that the last recorded document
// listed as ongoing (or that is still pending) but listed no longer, at
// the page's /proxy/<host>/incidents/<id>, and adds what it says (its
// resolution and final update) to snap. The page's document lists every
// ongoing incident, so an incident that left it has ended; the lookup
// says when and how. A failed lookup is retried on the next polls (up to
// maxLookupTries) and recorded in snap.HistoryErr meanwhile, so the
// incident is not taken as resolved before its lookup had a chance. It
// returns the incidents still pending. Only a cancelled ctx is an error.
// The Widget API has no such lookup: its vanished incidents are left to
// the aggregator.
func (s *Source) resolveGone(ctx context.Context, n *normaliser, snap *upstat.Snapshot, listed map[string]bool) (map[string]int, error) {
	if !s.proxy {
		return nil, nil
	}
	gone := map[string]int{}
	for id := range s.listed {
		if !listed[id] {
			gone[id] = 0
		}
	}
	for id, failures := range s.pending {
		if !listed[id] {
			gone[id] = failures
		}
	}
	ids := make([]string, 0, len(gone))
	for id := range gone {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	pending := map[string]int{}
	var failed []string
	for i, id := range ids {
		if i >= maxLookups {
			pending[id] = gone[id]
			continue
		}
		inc, err := s.lookup(ctx, n, id)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("incident %s: %w", id, ctx.Err())
		}
		if err != nil {
			if gone[id]+1 < maxLookupTries {
				pending[id] = gone[id] + 1
				failed = append(failed, fmt.Sprintf("incident %s: %v", id, err))
			}
			continue
		}
		snap.Incidents = append(snap.Incidents, inc)
	}
	snap.HistoryErr = strings.Join(failed, "; ")
	sortIncidents(snap.Incidents)
	return pending, nil
}

// lookup fetches one incident by id: {"incident": {name, status,
// published_at, updates[…]}}.
func (s *Source) lookup(ctx context.Context, n *normaliser, id string) (upstat.Incident, error) {
	resp, err := s.fetcher.Get(ctx, s.doc.URL+"/incidents/"+id, "application/json")
	if err == nil && resp.NotModified {
		err = fetchdoc.ErrUnconditional304
	}
	if err != nil {
		return upstat.Incident{}, err
	}
	if err := resp.LooksLikeJSON(); err != nil {
		return upstat.Incident{}, err
	}
	var doc struct {
		Incident *wireIncident `json:"incident"`
	}
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		return upstat.Incident{}, fmt.Errorf("decode: %w", err)
	}
	if doc.Incident == nil {
		return upstat.Incident{}, fmt.Errorf("decode: not an incident.io incident: %s", describe(resp.Body))
	}
	doc.Incident.ID = id
	return n.incident(doc.Incident), nil
}
