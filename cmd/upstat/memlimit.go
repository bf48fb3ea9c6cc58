package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/upstat/upstat/config"
)

// Default soft memory limit of `upstat serve` when GOMEMLIMIT is not set:
// a base for the runtime, the HTTP server and SQLite, plus an allowance
// per source for what it keeps between polls and a poll's transient
// garbage. Without a limit the Go heap may grow to twice its live size
// before a collection (GOGC=100), which at 10,000 sources is most of the
// resident memory; with it, the collector works harder near the limit
// instead. It is a soft limit: a live heap above it is never refused, and
// the runtime caps the collector's CPU when the limit is too low.
//
// 16 KiB a source is more than twice the live heap per source measured at
// 10,000 sources (61 MB): 220 MiB there, a backstop above what GOGC
// (defaultGCPercent) keeps the heap at. A limit close to the live heap is
// a CPU sink, not a saving: at 8 KiB a source (142 MiB) polling cost 0.51
// core instead of 0.07.
const (
	memLimitBase      = 64 << 20
	memLimitPerSource = 16 << 10
	// memLimitOfCgroup is the share of a container's memory limit the
	// default may take at most, leaving room for non-Go memory.
	memLimitOfCgroup = 0.9
)

// defaultGCPercent is `upstat serve`'s GOGC when the GOGC environment
// variable is not set: the heap may grow to 1.5 times what is live before
// a collection, not twice. upstat's live heap is mostly the vendors' state,
// kept for the process's life, and its allocation between changes is
// small (~3.7 MB/s at 10,000 sources every 30 s): at 10,000 sources, live
// 61 MB, a collection every ~6 s costs ~30 ms of CPU, and RSS stays at
// 143-146 MiB instead of 185-204 MiB with GOGC=100 (bench-load, polls
// only, 0.08 core either way). Unlike a tight memory limit, it scales with
// what is live: a limit near the live heap makes the collector run almost
// without pause (0.5-0.7 core at 120-142 MiB).
const defaultGCPercent = 50

// setGCPercent applies defaultGCPercent unless GOGC is set. It returns
// the percent set, or 0.
func setGCPercent(log *slog.Logger) int {
	if _, ok := os.LookupEnv("GOGC"); ok {
		return 0
	}
	debug.SetGCPercent(defaultGCPercent)
	log.Debug("GOGC set (the GOGC environment variable overrides)", "percent", defaultGCPercent)
	return defaultGCPercent
}

// setMemoryLimit applies the default soft memory limit for cfg unless the
// GOMEMLIMIT environment variable is set (then the runtime already
// applied it). cgroupMax is the container's memory limit in bytes, 0 if
// none. It returns the limit set, or 0.
func setMemoryLimit(cfg *config.Config, cgroupMax int64, log *slog.Logger) int64 {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return 0
	}
	limit := defaultMemoryLimit(cfg, cgroupMax)
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit set (GOMEMLIMIT overrides)", "bytes", limit)
	return limit
}

// defaultMemoryLimit is the default soft memory limit for cfg.
func defaultMemoryLimit(cfg *config.Config, cgroupMax int64) int64 {
	n := 0
	for _, v := range cfg.Vendors {
		n += len(v.Sources)
	}
	limit := int64(memLimitBase) + int64(n)*memLimitPerSource
	if cgroupMax > 0 {
		limit = min(limit, int64(float64(cgroupMax)*memLimitOfCgroup))
	}
	return limit
}

// cgroupMemoryMax reads a cgroup v2 memory limit ("max" or a number of
// bytes); 0 when there is none or it cannot be read.
func cgroupMemoryMax(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
