package alert

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// Env carries what every notifier needs from outside.
type Env struct {
	// Client sends HTTP requests; nil means a client with a 10s timeout.
	Client *http.Client
	Now    func() time.Time
	Log    *slog.Logger
}

// Factory builds a Notifier from its configuration. Configuration errors
// wrap upstat.ErrInvalid and name the offending key, never its value.
type Factory func(spec NotifierSpec, env Env) (Notifier, error)

// Kind describes one registered notifier kind.
type Kind struct {
	Name string
	New  Factory
	// Summary is a one-line description for help output.
	Summary string
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register adds a notifier kind; each notifier package calls it in init.
// It panics when the name is taken: two packages claiming one kind is a
// programming error.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Name]; dup || k.Name == "" || k.New == nil {
		panic(fmt.Sprintf("alert: notifier kind %q registered twice or incomplete", k.Name))
	}
	kinds[k.Name] = k
}

// LookupKind returns the notifier kind registered under name.
func LookupKind(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// KindNames lists the registered notifier kinds, sorted.
func KindNames() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	names := make([]string, 0, len(kinds))
	for name := range kinds {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// NewNotifier builds the notifier spec describes through the registry.
// Errors wrap upstat.ErrInvalid.
func NewNotifier(spec NotifierSpec, env Env) (Notifier, error) {
	k, ok := LookupKind(spec.Kind)
	if !ok {
		return nil, fmt.Errorf("%w: notifier %q: unknown kind %q (known: %v)", upstat.ErrInvalid, spec.ID, spec.Kind, KindNames())
	}
	if env.Client == nil {
		env.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	return k.New(spec, env)
}

// NewNotifiers builds every configured notifier, keyed by id. Ids must be
// present and unique. Errors wrap upstat.ErrInvalid.
func NewNotifiers(specs []NotifierSpec, env Env) (map[string]Notifier, error) {
	out := make(map[string]Notifier, len(specs))
	for i, spec := range specs {
		if spec.ID == "" {
			return nil, fmt.Errorf("%w: alerts.notifiers[%d]: id: required", upstat.ErrInvalid, i)
		}
		if _, dup := out[spec.ID]; dup {
			return nil, fmt.Errorf("%w: alerts.notifiers[%d]: id: duplicate %q", upstat.ErrInvalid, i, spec.ID)
		}
		n, err := NewNotifier(spec, env)
		if err != nil {
			return nil, fmt.Errorf("alerts.notifiers[%d]: %w", i, err)
		}
		out[spec.ID] = n
	}
	return out, nil
}

// CheckURL returns an error wrapping upstat.ErrInvalid, naming the
// notifier and key but never the value, unless v is an absolute http(s) URL.
func CheckURL(spec NotifierSpec, key, v string) error {
	if v == "" {
		return fmt.Errorf("%w: notifier %q: %s: required", upstat.ErrInvalid, spec.ID, key)
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: notifier %q: %s: not an http(s) URL", upstat.ErrInvalid, spec.ID, key)
	}
	return nil
}

// Required returns an error wrapping upstat.ErrInvalid, naming the
// notifier and key, when the secret v is empty.
func Required(spec NotifierSpec, key string, v Secret) error {
	if v == "" {
		return fmt.Errorf("%w: notifier %q: %s: required", upstat.ErrInvalid, spec.ID, key)
	}
	return nil
}

// Endpoint returns v (def when v is empty) without a trailing slash, or the
// error of CheckURL.
func Endpoint(spec NotifierSpec, key, v, def string) (string, error) {
	if v == "" {
		v = def
	}
	if err := CheckURL(spec, key, v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(v, "/"), nil
}
