package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/upstat/upstat/fixtures"
)

// spreadHosts serves sim on n-1 more loopback addresses (127.0.0.2, …,
// each on a free port) and moves the targets round-robin across all n,
// so that upstat sees vendors on distinct hosts as real ones are: its
// fetcher opens at most 8 connections per host, and 10,000 vendors on
// one host:port measure that bound instead of the poller. stop stops
// the extra servers.
func spreadHosts(sim *fixtures.Load, targets []fixtures.LoadTarget, n int) (out []fixtures.LoadTarget, stop func(), err error) {
	if n < 1 || n > 250 {
		return nil, nil, fmt.Errorf("%w: -hosts %d (1 to 250)", errUsage, n)
	}
	var servers []*http.Server
	stop = func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}
	base := sim.Addr()
	hosts := []string{base}
	for i := 2; i <= n; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i))
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("listen on 127.0.0.%d: %w", i, err)
		}
		srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
		go func() { _ = srv.Serve(ln) }()
		servers = append(servers, srv)
		hosts = append(hosts, "http://"+ln.Addr().String())
	}
	out = make([]fixtures.LoadTarget, len(targets))
	for i, t := range targets {
		t.URL = strings.Replace(t.URL, base, hosts[i%len(hosts)], 1)
		out[i] = t
	}
	return out, stop, nil
}

// startSim starts the simulated vendors of f, spread over f.hosts
// loopback addresses; stop stops them.
func startSim(f runFlags, log io.Writer) (sim *fixtures.Load, targets []fixtures.LoadTarget, stop func(), err error) {
	logf(log, "starting %d simulated vendors", f.n)
	sim, err = fixtures.StartLoad("127.0.0.1:0", fixtures.LoadOptions{Vendors: f.n, Seed: f.seed})
	if err != nil {
		return nil, nil, nil, err
	}
	targets, closeHosts, err := spreadHosts(sim, sim.Targets(), f.hosts)
	if err != nil {
		_ = sim.Close()
		return nil, nil, nil, err
	}
	return sim, targets, func() { closeHosts(); _ = sim.Close() }, nil
}
