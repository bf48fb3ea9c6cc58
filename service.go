package upstat

import (
	"context"
	"time"
)

// Impact says how much a failing dependency hurts the service that depends
// on it.
type Impact string

// Impacts. A failing critical dependency passes its severity on to the
// service; a failing degraded one caps it at Degraded.
const (
	ImpactCritical Impact = "critical"
	ImpactDegraded Impact = "degraded"
)

// Dependency is one entry of a service's depends_on: a vendor as a whole,
// or some of its components.
type Dependency struct {
	Vendor string `json:"vendor"`
	// Components are component names or globs (path.Match), matched
	// against the name and against "group/name"; empty means the whole
	// vendor.
	Components []string `json:"components,omitempty"`
	// Host is the hostname the dependency was written as (api.stripe.com),
	// when it was resolved to Vendor through the catalogue.
	Host   string `json:"host,omitempty"`
	Impact Impact `json:"impact"`
}

// ServiceConfig is one of the team's own services, as configured.
type ServiceConfig struct {
	ID        string
	Name      string
	Labels    map[string]string
	DependsOn []Dependency
}

// DependencyStatus is one dependency of a service as upstat sees it now.
type DependencyStatus struct {
	Dependency
	// Status is the dependency's own severity: the vendor's status, or the
	// worst of its matching components and of the active incidents naming
	// them. Unknown when upstat has no data for it.
	Status Severity `json:"status"`
	// Effect is what the dependency does to the service: Status capped by
	// the impact. Unknown when the dependency is unknown or stale.
	Effect Severity `json:"effect"`
	// Stale is true when the vendor's sources have failed past the
	// staleness window: Status is its last known value.
	Stale bool `json:"stale"`
	// Matched lists the components the globs matched (none for a
	// whole-vendor dependency).
	Matched []string `json:"matched,omitempty"`
	// Drives is true when this dependency determines the service's
	// status (it is the worst, or the one upstat cannot see).
	Drives bool `json:"drives"`
	// ChangedAt is when the dependency's status last changed, when known.
	ChangedAt *time.Time `json:"changed_at"`
}

// ServiceStatus is a service with the status derived from its dependencies.
type ServiceStatus struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	// Status is derived from the dependencies (see package services).
	Status Severity `json:"status"`
	// Tainted is true when a dependency is unknown or stale: the service
	// may be worse than Status says. Status is then Unknown unless the
	// dependencies upstat can see already put the service at the worst the
	// unseen ones could.
	Tainted bool `json:"tainted"`
	// Since is when Status last changed, as far as the dependencies' own
	// change times tell.
	Since        *time.Time         `json:"since"`
	Dependencies []DependencyStatus `json:"dependencies"`
	// Incidents are the active incidents that affect the service: those of
	// its whole-vendor dependencies, and those naming a matched component
	// (or no component) of its component dependencies.
	Incidents []Incident `json:"incidents"`
	// Warnings name what could not be matched (a component glob that
	// matches none of the vendor's components).
	Warnings []string `json:"warnings,omitempty"`
}

// ServiceReader reads the configured services' statuses.
type ServiceReader interface {
	// Services returns every configured service, in configuration order.
	Services(ctx context.Context) ([]ServiceStatus, error)
	// Service returns one service; an unknown id is an error wrapping
	// ErrNotFound.
	Service(ctx context.Context, id string) (*ServiceStatus, error)
}
