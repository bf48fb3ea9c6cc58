package app

import (
	"fmt"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
)

// hookEndpoints lists the sources of cfg that accept webhooks (those with
// a webhook_secret), each with its vendor's mapper and component rules.
func hookEndpoints(cfg *config.Config) ([]hooks.Endpoint, error) {
	var out []hooks.Endpoint
	for _, v := range cfg.Vendors {
		for i, s := range v.Sources {
			if s.WebhookSecret == "" {
				continue
			}
			mapper, err := normalize.NewMapper(v.SeverityMap)
			if err != nil {
				return nil, fmt.Errorf("vendor %s: %w", v.ID, err)
			}
			rules := normalize.ComponentRules{Ignore: v.Components.Ignore, Rename: v.Components.Rename}
			out = append(out, hooks.Endpoint{
				Vendor: v.ID, Source: i, Kind: s.Kind, URL: s.URL, Secret: s.WebhookSecret, Mapper: mapper,
				Transform: func(snap *upstat.Snapshot) { rules.Apply(snap) },
			})
		}
	}
	return out, nil
}
