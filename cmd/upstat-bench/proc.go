package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (100 on every Linux this runs on).
const clockTicks = 100

// procCPU returns a process's user+system CPU time so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("proc stat: %w", err)
	}
	// The command name (field 2) may contain spaces: fields count from
	// the closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat: malformed %q", s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields", len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc stat: utime %q stime %q", f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// procMem returns a process's resident set and its peak (VmRSS, VmHWM).
func procMem(pid int) (rss, hwm int64, err error) {
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("proc status: %w", err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}

// sampler takes one memory sample (of one process or several).
type sampler interface{ sample() }

// samplers samples several processes at once.
type samplers []*memSampler

func (s samplers) sample() {
	for _, m := range s {
		m.sample()
	}
}

// memSampler samples a process's RSS once a second.
type memSampler struct {
	pid     int
	mu      sync.Mutex
	samples []int64
	hwm     int64
}

func (m *memSampler) sample() {
	rss, hwm, err := procMem(m.pid)
	if err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, rss)
	m.hwm = max(m.hwm, hwm)
}

// steady is the median RSS of the samples taken since from.
func (m *memSampler) steady(from int) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if from >= len(m.samples) {
		return 0
	}
	s := append([]int64(nil), m.samples[from:]...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func (m *memSampler) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.samples)
}

// scrapeCounters sums Prometheus counters by name and label set from a
// /metrics page: "upstat_polls_total{kind=\"statuspage\",result=\"ok\"}" → value.
func scrapeCounters(client *http.Client, url string, prefixes ...string) (map[string]float64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("scrape: http %d", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				i := strings.LastIndexByte(line, ' ')
				v, err := strconv.ParseFloat(line[i+1:], 64)
				if err == nil {
					out[line[:i]] = v
				}
			}
		}
	}
	return out, sc.Err()
}

// sumMatching adds the counters whose name contains every one of subs.
func sumMatching(m map[string]float64, subs ...string) float64 {
	var t float64
next:
	for k, v := range m {
		for _, s := range subs {
			if !strings.Contains(k, s) {
				continue next
			}
		}
		t += v
	}
	return t
}

// latencies collects durations and reports percentiles.
type latencies struct {
	mu     sync.Mutex
	d      []time.Duration
	errors int
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) fail() {
	l.mu.Lock()
	l.errors++
	l.mu.Unlock()
}

// Percentiles is a latency distribution in milliseconds.
type Percentiles struct {
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

func (l *latencies) percentiles() Percentiles {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := Percentiles{Count: len(l.d), Errors: l.errors}
	if len(l.d) == 0 {
		return p
	}
	s := append([]time.Duration(nil), l.d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) float64 {
		i := min(int(q*float64(len(s))), len(s)-1)
		return ms(s[i])
	}
	p.P50, p.P99, p.Max = at(0.50), at(0.99), ms(s[len(s)-1])
	return p
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
