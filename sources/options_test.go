package sources

import (
	"errors"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

func TestDecodeOptions(t *testing.T) {
	var o struct {
		Zone string `yaml:"zone"`
	}
	if err := DecodeOptions(Spec{}, "cachet", &o); err != nil {
		t.Fatalf("no Decode: %v", err)
	}
	if err := DecodeOptions(Spec{Decode: Decoder(map[string]any{"zone": "UTC"})}, "cachet", &o); err != nil || o.Zone != "UTC" {
		t.Fatalf("zone: %q, %v", o.Zone, err)
	}
	err := DecodeOptions(Spec{Decode: Decoder(map[string]any{"zone": "UTC"})}, "slack", &struct{}{})
	if !errors.Is(err, upstat.ErrInvalid) || !strings.HasPrefix(err.Error(), upstat.ErrInvalid.Error()+": slack options: ") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestParseHTTPURL(t *testing.T) {
	if u, err := ParseHTTPURL(" https://status.example.com/x ", "URL"); err != nil || u.Host != "status.example.com" || u.Path != "/x" {
		t.Fatalf("valid: %v, %v", u, err)
	}
	for _, raw := range []string{"status.example.com", "ftp://status.example.com", "https://", "http://%zz"} {
		_, err := ParseHTTPURL(raw, "page URL")
		if want := upstat.ErrInvalid.Error() + `: url: "` + raw + `" is not an http(s) page URL`; !errors.Is(err, upstat.ErrInvalid) || err.Error() != want {
			t.Errorf("%q: %v, want %s", raw, err, want)
		}
	}
}
