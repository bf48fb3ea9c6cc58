package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

func TestReload(t *testing.T) {
	admin := http.Header{"Authorization": {"Bearer adm1n"}}
	invalid := fmt.Errorf("config upstat.yaml:7: vendors[2].id: %w", upstat.ErrInvalid)
	tests := []struct {
		name      string
		reload    func(context.Context) error
		header    http.Header
		want      int
		code, msg string
		calls     int
	}{
		{"no token", func(context.Context) error { return nil }, nil, 401, "unauthorized", "admin token required", 0},
		{"read token", func(context.Context) error { return nil }, http.Header{"Authorization": {"Bearer r3ad"}}, 401, "unauthorized", "admin token required", 0},
		{"admin token by query", func(context.Context) error { return nil }, nil, 401, "unauthorized", "admin token", 0},
		{"reloaded", func(context.Context) error { return nil }, admin, 200, "", "", 1},
		{"invalid config", func(context.Context) error { return invalid }, admin, 400, "bad_request", "vendors[2].id", 1},
		{"failure", func(context.Context) error { return errors.New("disk on fire") }, admin, 500, "internal", "internal error", 1},
		{"not wired", nil, admin, 503, "unavailable", "reload is not available", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			s, logs := newTestServer(t, fixtureReader(), func(o *Options) {
				o.ReadToken, o.AdminToken = "r3ad", "adm1n"
				if tt.reload != nil {
					o.Reload = func(ctx context.Context) error {
						calls++
						if ctx == nil || ctx.Err() != nil {
							t.Error("reload got no live context")
						}
						return tt.reload(ctx)
					}
				}
			})
			target := "/api/v1/reload"
			if tt.name == "admin token by query" {
				target += "?token=adm1n"
			}
			rec := do(s.Handler(), http.MethodPost, target, tt.header)
			if calls != tt.calls {
				t.Errorf("Reload called %d times, want %d", calls, tt.calls)
			}
			if tt.want != 200 {
				wantError(t, rec, tt.want, tt.code, tt.msg)
				return
			}
			var body map[string]string
			decodeJSON(t, rec, 200, &body)
			if body["status"] != "reloaded" || len(body) != 1 {
				t.Errorf("body = %v, want {status: reloaded}", body)
			}
			if !strings.Contains(logs.String(), "configuration reloaded") {
				t.Errorf("reload not logged: %s", logs)
			}
		})
	}
	t.Run("GET is not reload", func(t *testing.T) {
		s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.Reload = func(context.Context) error { return nil } })
		wantError(t, do(s.Handler(), http.MethodGet, "/api/v1/reload", nil), 405, "method_not_allowed", "POST")
	})
}
