package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/sources"
)

// init --vendors writes a file that loads; a vendor whose kind this build
// lacks is there, commented out, rather than making the file invalid.
func TestInitVendorsLoads(t *testing.T) {
	out := filepath.Join(t.TempDir(), "upstat.yaml")
	code, _, stderr := runCLI(t, "init", "--vendors", "github, stripe,aws", "--out", out)
	if code != 0 {
		t.Fatalf("init: code %d, stderr %q", code, stderr)
	}
	cfg, err := config.Load(out)
	if err != nil {
		t.Fatalf("written config does not load: %v", err)
	}
	got := map[string]bool{}
	for _, v := range cfg.Vendors {
		got[v.ID] = true
	}
	if !got["github"] || !got["stripe"] {
		t.Errorf("vendors = %v, want github and stripe", got)
	}
	b, _ := os.ReadFile(out)
	_, awsKind := sources.Lookup("aws")
	switch {
	case awsKind && !got["aws"]:
		t.Error("aws kind is registered but aws was not written")
	case !awsKind && !strings.Contains(string(b), "  # - id: aws"):
		t.Errorf("aws should be written commented out, with the reason:\n%s", b)
	}
	// The file is not overwritten.
	if code, _, stderr := runCLI(t, "init", "--vendors", "github", "--out", out); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("second init over the file: code %d, stderr %q", code, stderr)
	}
}

func TestInitUnknownVendor(t *testing.T) {
	code, _, stderr := runCLI(t, "init", "--vendors", "githb")
	if code != 1 || !strings.Contains(stderr, `no catalogue entry "githb"`) {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "init"); code != 2 {
		t.Errorf("init without flags: code %d, want 2", code)
	}
}

// init --domains maps the 30 hostnames of testdata/hosts.txt to the
// vendors their comments name, and names the ones it could not map.
func TestInitDomains(t *testing.T) {
	want := map[string]string{} // host → vendor id, "-" for unmapped
	f, err := os.Open("testdata/hosts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		host, id, ok := strings.Cut(sc.Text(), "#")
		if host = strings.TrimSpace(host); ok && host != "" {
			want[host] = strings.TrimSpace(id)
		}
	}
	if len(want) != 30 {
		t.Fatalf("testdata/hosts.txt has %d hostnames, want 30", len(want))
	}
	code, stdout, stderr := runCLI(t, "init", "--domains", "testdata/hosts.txt")
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	for host, id := range want {
		h := host
		if strings.Contains(h, "://") {
			h = strings.SplitN(strings.SplitN(h, "://", 2)[1], "/", 2)[0]
		}
		if id == "-" {
			if !strings.Contains(stderr, h) || !strings.Contains(stdout, "  #   "+h+"\n") {
				t.Errorf("%s should be reported unmapped; stderr %q", h, stderr)
			}
			continue
		}
		// The vendor's block names the host under "called as".
		block := vendorBlock(stdout, id)
		if !strings.Contains(block, h+" (") {
			t.Errorf("%s should map to %s; its block:\n%s", h, id, block)
		}
	}
	if !strings.Contains(stderr, "could not map 2 hostname(s)") {
		t.Errorf("stderr %q", stderr)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte(stdout), 0o644)
	if _, err := config.Load(path); err != nil {
		t.Errorf("config from --domains does not load: %v", err)
	}
}

// vendorBlock returns the comment lines and the entry of vendor id.
func vendorBlock(out, id string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if l == "  - id: "+id || l == "  # - id: "+id {
			start := i
			for start > 0 && strings.HasPrefix(lines[start-1], "  #") && !strings.HasPrefix(lines[start-1], "  # - id:") {
				start--
			}
			return strings.Join(lines[start:i+1], "\n")
		}
	}
	return ""
}
