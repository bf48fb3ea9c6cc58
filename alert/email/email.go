// Package email is the "email" notifier: a plain-text message over SMTP,
// upgraded with STARTTLS (required by default) before any credential is
// sent.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

func init() {
	alert.Register(alert.Kind{Name: "email", New: New, Summary: "send an email over SMTP (STARTTLS)"})
}

// TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS; required
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: only for a relay on localhost
)

// Options are the email notifier's keys.
type Options struct {
	Host     string       `yaml:"host"`
	Port     int          `yaml:"port"` // default 587
	Username string       `yaml:"username"`
	Password alert.Secret `yaml:"password"`
	From     string       `yaml:"from"`
	To       []string     `yaml:"to"`
	TLS      string       `yaml:"tls"`  // starttls (default), tls or none
	Helo     string       `yaml:"helo"` // name sent in EHLO; default localhost
}

// Email sends notifications by SMTP.
type Email struct {
	opts  Options
	now   func() time.Time
	roots *x509.CertPool // nil: the system roots
}

var _ alert.Notifier = (*Email)(nil)

// New builds an email notifier. Errors wrap upstat.ErrInvalid.
func New(spec alert.NotifierSpec, env alert.Env) (alert.Notifier, error) {
	o, err := alert.DecodeOptions[Options](spec)
	if err != nil {
		return nil, err
	}
	bad := func(key, msg string) error {
		return fmt.Errorf("%w: notifier %q: %s: %s", upstat.ErrInvalid, spec.ID, key, msg)
	}
	if o.Host == "" {
		return nil, bad("host", "required")
	}
	if o.Port == 0 {
		o.Port = 587
	}
	switch o.TLS {
	case "":
		o.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, bad("tls", "must be starttls, tls or none")
	}
	if o.TLS == TLSNone && o.Username != "" {
		return nil, bad("tls", "none would send the password in clear")
	}
	if _, err := mail.ParseAddress(o.From); err != nil {
		return nil, bad("from", "not an email address")
	}
	if len(o.To) == 0 {
		return nil, bad("to", "required")
	}
	for _, to := range o.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return nil, bad("to", fmt.Sprintf("%q is not an email address", to))
		}
	}
	if o.Helo == "" {
		o.Helo = "localhost"
	}
	return &Email{opts: o, now: env.Now}, nil
}

// errNoStartTLS: the server does not offer STARTTLS; retrying cannot help.
var errNoStartTLS = errors.New("server does not offer STARTTLS")

// Notify implements alert.Notifier. SMTP 4xx replies and network errors
// are retried; 5xx replies, a missing STARTTLS and certificate errors are
// final.
func (e *Email) Notify(ctx context.Context, n alert.Notification) (bool, error) {
	err := e.send(ctx, e.Format(n))
	if err == nil {
		return false, nil
	}
	var te *textproto.Error
	var cv *tls.CertificateVerificationError
	retry := true
	switch {
	case errors.As(err, &te):
		retry = te.Code >= 400 && te.Code < 500
	case errors.Is(err, errNoStartTLS), errors.As(err, &cv):
		retry = false
	}
	return retry, fmt.Errorf("email: %w", alert.Scrub(err, e.opts.Password.Reveal()))
}

func (e *Email) send(ctx context.Context, msg []byte) error {
	o := e.opts
	cfg := &tls.Config{ServerName: o.Host, RootCAs: e.roots, MinVersion: tls.VersionTLS12}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		return err
	}
	if o.TLS == TLSImplicit {
		conn = tls.Client(conn, cfg)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn, o.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(o.Helo); err != nil {
		return err
	}
	if o.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errNoStartTLS
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if o.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", o.Username, o.Password.Reveal(), o.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(address(o.From)); err != nil {
		return err
	}
	for _, to := range o.To {
		if err := c.Rcpt(address(to)); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func address(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return s
	}
	return a.Address
}

// Format builds the RFC 5322 message for n.
func (e *Email) Format(n alert.Notification) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", e.opts.From)
	header("To", strings.Join(e.opts.To, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", n.Headline()))
	header("Date", e.now().UTC().Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<%s.%s.%d@upstat>", n.Key, n.Status, e.now().UnixNano()))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	fmt.Fprintf(qp, "%s\r\n\r\n", n.Headline())
	for _, f := range n.Facts() {
		fmt.Fprintf(qp, "%s: %s\r\n", f.Name, f.Value)
	}
	if inc := n.Incident; inc != nil && inc.URL != "" {
		fmt.Fprintf(qp, "Incident URL: %s\r\n", inc.URL)
	}
	qp.Close()
	return b.Bytes()
}
