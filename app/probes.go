package app

import (
	"context"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/probe"
)

// probeSpecs lists the probes of cfg's vendors (config has set their
// defaults and checked them).
func probeSpecs(cfg *config.Config) []probe.Spec {
	var out []probe.Spec
	for _, v := range cfg.Vendors {
		for _, p := range v.Probes {
			out = append(out, probe.Spec{
				Vendor: v.ID, Name: p.Name, Kind: p.Kind, Target: p.Target(), Method: p.Method,
				ExpectStatus: p.ExpectStatus, ExpectBody: p.ExpectBody,
				Interval: p.Interval, Timeout: p.Timeout, FailAfter: p.FailAfter, RecoverAfter: p.RecoverAfter,
			})
		}
	}
	return out
}

// setObserved records a vendor's new observed signal and asks for an
// alert evaluation (rules with signal observed, any or both).
func (a *App) setObserved(vendor string, obs upstat.Observed) {
	if err := a.agg.SetObserved(context.Background(), vendor, obs); err != nil {
		a.log.Error("record observed signal", "vendor", vendor, "err", err)
		return
	}
	a.requestEvaluation(vendor)
}

// startProbes shows every vendor with probes as observed unknown, then
// starts the probes (whose changes follow).
func (a *App) startProbes(ctx context.Context) {
	specs := probeSpecs(a.cfg)
	now := a.opts.Now()
	for _, s := range specs {
		if err := a.agg.SetObserved(ctx, s.Vendor, upstat.Observed{Status: upstat.ObservedUnknown, Since: now}); err != nil {
			a.log.Error("record observed signal", "vendor", s.Vendor, "err", err)
		}
	}
	a.probes.Start(ctx, specs)
}
