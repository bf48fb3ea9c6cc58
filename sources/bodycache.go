package sources

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"time"

	"github.com/upstat/upstat"
)

// BodyCache remembers the last body a source parsed, so that a 304 or an
// identical body is answered without parsing, except when the parsed
// result can change by itself (an active item that expires with age).
// Adapters that parse a whole body each poll (feed, html) share it. The
// zero value is ready to use.
//
// Between polls it keeps the body's digest, and the body itself only while
// the result can expire (a 304 then needs the body to parse again): at
// 10,000 sources whole bodies held ~7 MB for nothing.
type BodyCache struct {
	have   bool   // a body was recorded
	last   []byte // that body, only while expiry is set
	ctype  string
	sum    [32]byte
	expiry time.Time // zero: the last result cannot change by itself
}

// Fetched is a fetched body ready to parse, or NotModified.
type Fetched struct {
	NotModified bool
	Body        []byte
	ContentType string
	Now         time.Time // the poll's time, from env.Now
	resp        *Response
}

// Fetch gets url through env's fetcher and returns the body to parse: the
// new body, or the cached one after a 304 when the last result may have
// expired. NotModified is set when nothing changed.
func (c *BodyCache) Fetch(ctx context.Context, env Env, url, accept string) (*Fetched, error) {
	resp, err := env.Fetcher.Get(ctx, url, accept)
	if err != nil {
		return nil, err
	}
	f := &Fetched{Body: resp.Body, ContentType: resp.ContentType, Now: env.Now(), resp: resp}
	if resp.NotModified {
		f.Body, f.ContentType = c.last, c.ctype
	}
	same := c.have && (resp.NotModified || sha256.Sum256(f.Body) == c.sum)
	if same && (c.expiry.IsZero() || f.Now.Before(c.expiry)) {
		// The body is the one last recorded (c.last is set only on
		// commit): its validators may be remembered now.
		resp.Commit()
		return &Fetched{NotModified: true, Now: f.Now}, nil
	}
	if f.Body == nil {
		return nil, errors.New("304 before any full response")
	}
	return f, nil
}

// Store arranges for a body that parsed to be remembered, with its
// response's validators, once snap is recorded (snap.OnCommit): until
// then, and for good if recording fails, the next poll reads the body in
// full again. expiry is when the parsed result stops holding by age alone
// (zero: never).
func (c *BodyCache) Store(snap *upstat.Snapshot, f *Fetched, expiry time.Time) {
	sum := sha256.Sum256(f.Body)
	var body []byte
	if !expiry.IsZero() {
		body = bytes.Clone(f.Body)
	}
	snap.OnCommit(func() {
		f.resp.Commit()
		c.have, c.last, c.ctype, c.sum, c.expiry = true, body, f.ContentType, sum, expiry
	})
}

// WithDefaults fills what an adapter needs and env lacks: a logger that
// discards, a fetcher and a clock.
func WithDefaults(env Env) Env {
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	if env.Fetcher == nil {
		env.Fetcher = NewFetcher(FetchOptions{Log: env.Log})
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	return env
}
