package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/upstat/upstat"
)

// servicesData is the services template's data.
type servicesData struct {
	Services []upstat.ServiceStatus
	// Problems counts services not operational; Unknown those unknown.
	Problems, Unknown int
	// Headline is the headline's colour: the worst status, never
	// operational while a service is unknown.
	Headline upstat.Severity
}

// services serves /services: the team's services first, each with the
// dependencies that drive its status and the incidents that affect it.
func (d *Dashboard) services(w http.ResponseWriter, r *http.Request) {
	var data servicesData
	if d.opts.Services != nil {
		list, err := d.opts.Services.Services(r.Context())
		if err != nil {
			d.fail(w, r, fmt.Errorf("services: %w", err))
			return
		}
		data.Services = list
	}
	data.Headline = upstat.Operational
	for _, s := range data.Services {
		if s.Status != upstat.Operational {
			data.Problems++
		}
		if s.Status == upstat.Unknown {
			data.Unknown++
		}
		data.Headline = upstat.Worse(data.Headline, s.Status)
	}
	if data.Unknown > 0 && data.Headline == upstat.Operational {
		data.Headline = upstat.Unknown
	}
	p := d.newPage(r, "Services", "services")
	p.Data = data
	d.render(w, r, http.StatusOK, "services", p)
}

// affects returns the ids of the services that depend on vendor id, for
// the vendor page's "affects: checkout, login".
func (d *Dashboard) affects(r *http.Request, id string) ([]string, error) {
	if d.opts.Services == nil {
		return nil, nil
	}
	list, err := d.opts.Services.Services(r.Context())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list {
		if slices.ContainsFunc(s.Dependencies, func(dep upstat.DependencyStatus) bool { return dep.Vendor == id }) {
			out = append(out, s.Name)
		}
	}
	return out, nil
}
