package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestDemoQuickStart runs `upstat demo` as the README's quick start does
// and checks the summary lists every simulated vendor, all polled, and
// that the demo changes over time.
func TestDemoQuickStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- cmdDemo(ctx, []string{"--listen", "127.0.0.1:0", "--step", "1s", "--log-level", "error"}, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`API (http://\S+/api/v1/summary)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no API URL in %q", line)
	}
	type summary struct {
		Status  string `json:"status"`
		Vendors []struct {
			ID            string     `json:"id"`
			Status        string     `json:"status"`
			LastSuccessAt *time.Time `json:"last_success_at"`
		} `json:"vendors"`
	}
	get := func() summary {
		resp, err := http.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s summary
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	deadline := time.Now().Add(20 * time.Second)
	seen := map[string]bool{}
	for {
		s := get()
		polled := 0
		for _, v := range s.Vendors {
			if v.LastSuccessAt != nil {
				polled++
			}
			seen[v.Status] = true
		}
		// 6 Statuspage vendors + 10 on other platforms + one read with
		// kind auto + 3 feed/HTML pages, all polled, and the script has
		// moved someone off operational.
		if len(s.Vendors) == 20 && polled == 20 && len(seen) > 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo summary after 20s: %d vendors, %d polled, statuses seen %v", len(s.Vendors), polled, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
