package feed

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/upstat/upstat/sources"
)

// BodyCache remembers the last body a source parsed, so that a 304 or an
// identical body is answered without parsing, except when the parsed
// result can change by itself (an active item that expires with age). The
// html adapter shares it. The zero value is ready to use.
type BodyCache struct {
	last   []byte
	ctype  string
	sum    [32]byte
	expiry time.Time // zero: the last result cannot change by itself
}

// Body returns the body and content type to parse for resp at now; parse
// is false when nothing changed (the caller reports NotModified). A 304
// before any full body is an error.
func (c *BodyCache) Body(resp *sources.Response, now time.Time) (body []byte, ctype string, parse bool, err error) {
	body, ctype = resp.Body, resp.ContentType
	if resp.NotModified {
		body, ctype = c.last, c.ctype
	}
	same := c.last != nil && (resp.NotModified || sha256.Sum256(body) == c.sum)
	if same && (c.expiry.IsZero() || now.Before(c.expiry)) {
		resp.Commit()
		return nil, "", false, nil
	}
	if body == nil {
		return nil, "", false, errors.New("304 before any full response")
	}
	return body, ctype, true, nil
}

// Store records a body that parsed, and commits the response's validators.
// expiry is when the parsed result stops holding by age alone (zero:
// never).
func (c *BodyCache) Store(resp *sources.Response, body []byte, ctype string, expiry time.Time) {
	resp.Commit()
	c.last, c.ctype, c.sum, c.expiry = bytes.Clone(body), ctype, sha256.Sum256(body), expiry
}
