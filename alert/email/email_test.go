package email

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

// message is what the test server received.
type message struct {
	from, auth string
	to         []string
	data       string
	tls        bool
}

// smtpServer is a minimal in-process SMTP server with STARTTLS and AUTH
// PLAIN, enough for net/smtp.
type smtpServer struct {
	ln         net.Listener
	cfg        *tls.Config
	rcptReply  string // e.g. "250 OK", "451 4.3.0 try later"
	noStartTLS bool
	wg         sync.WaitGroup

	mu   sync.Mutex
	msgs []message
}

func newSMTPServer(t *testing.T, rcptReply string, noStartTLS bool) (*smtpServer, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, rcptReply: rcptReply, noStartTLS: noStartTLS,
		cfg: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s, pool
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) received() []message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]message(nil), s.msgs...)
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			_ = tp.PrintfLine("%s", l)
		}
	}
	reply("220 127.0.0.1 ESMTP test")
	var m message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			switch {
			case !m.tls && !s.noStartTLS:
				reply("250-127.0.0.1", "250 STARTTLS")
			case m.tls:
				reply("250-127.0.0.1", "250 AUTH PLAIN")
			default:
				reply("250 127.0.0.1")
			}
		case "STARTTLS":
			reply("220 ready")
			tc := tls.Server(conn, s.cfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, m.tls = tc, textproto.NewConn(tc), true
		case "AUTH":
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			m.auth = string(raw)
			reply("235 2.7.0 accepted")
		case "MAIL":
			m.from = arg
			reply("250 OK")
		case "RCPT":
			m.to = append(m.to, arg)
			reply(s.rcptReply)
		case "DATA":
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.data = string(data)
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown")
		}
	}
}

const password = "smtp-pa55word-xyz"

func build(t *testing.T, port int, roots *x509.CertPool, extra string) *Email {
	t.Helper()
	opts := "host: 127.0.0.1\nport: " + strconv.Itoa(port) + "\nusername: upstat\npassword: " + password +
		"\nfrom: upstat <alerts@example.com>\nto: [oncall@example.com, 'Ops <ops@example.com>']\n" + extra
	n, err := alert.NewNotifier(alerttest.Spec("mail", "email", opts), alert.Env{Now: func() time.Time { return alerttest.At }})
	if err != nil {
		t.Fatal(err)
	}
	e := n.(*Email)
	e.roots = roots
	return e
}

func TestSend(t *testing.T) {
	srv, roots := newSMTPServer(t, "250 OK", false)
	e := build(t, srv.port(), roots, "")
	if retry, err := e.Notify(context.Background(), alerttest.Sample(alert.StatusFiring)); err != nil {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	m := got[0]
	if !m.tls || m.auth != "\x00upstat\x00"+password || m.from != "FROM:<alerts@example.com>" ||
		strings.Join(m.to, ",") != "TO:<oncall@example.com>,TO:<ops@example.com>" {
		t.Fatalf("envelope: tls=%v auth=%q from=%q to=%q", m.tls, m.auth, m.from, m.to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(m.data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "[FIRING] Stripe API: partial_outage" {
		t.Errorf("Subject %q (%v)", subject, err)
	}
	body, _ := io.ReadAll(msg.Body)
	for _, want := range []string{"Severity: partial_outage", "Incident: Elevated API error rates <EU>", "Incident URL: https://status.stripe.example/incidents/k2x9"} {
		if !strings.Contains(strings.ReplaceAll(string(body), "=\r\n", ""), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestFailures(t *testing.T) {
	cases := []struct {
		name       string
		rcptReply  string
		noStartTLS bool
		wantRetry  bool
	}{
		{"temporary rejection is retried", "451 4.3.0 try again later", false, true},
		{"permanent rejection is final", "550 5.1.1 no such user", false, false},
		{"no STARTTLS is final and sends no password", "250 OK", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, roots := newSMTPServer(t, tc.rcptReply, tc.noStartTLS)
			retry, err := build(t, srv.port(), roots, "").Notify(context.Background(), alerttest.Sample(alert.StatusFiring))
			if err == nil || retry != tc.wantRetry {
				t.Fatalf("retry=%v err=%v; want an error with retry=%v", retry, err, tc.wantRetry)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error leaks the password: %v", err)
			}
			if len(srv.received()) != 0 {
				t.Errorf("a message was accepted")
			}
		})
	}
	// Server down: retried.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if retry, err := build(t, port, nil, "").Notify(context.Background(), alerttest.Sample(alert.StatusFiring)); err == nil || !retry {
		t.Errorf("server down: retry=%v err=%v", retry, err)
	}
}

func TestUntrustedCertificateIsFinal(t *testing.T) {
	srv, _ := newSMTPServer(t, "250 OK", false)
	retry, err := build(t, srv.port(), x509.NewCertPool(), "").Notify(context.Background(), alerttest.Sample(alert.StatusFiring))
	if err == nil || retry {
		t.Fatalf("retry=%v err=%v; want a final error", retry, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ opts, want string }{
		{"from: a@b.c\nto: [x@y.z]\n", "host: required"},
		{"host: h\nfrom: nope\nto: [x@y.z]\n", "from: not an email address"},
		{"host: h\nfrom: a@b.c\n", "to: required"},
		{"host: h\nfrom: a@b.c\nto: [x@y.z]\ntls: ssl\n", "tls: must be"},
		{"host: h\nfrom: a@b.c\nto: [x@y.z]\ntls: none\nusername: u\npassword: " + password + "\n", "tls: none would send the password in clear"},
	} {
		_, err := alert.NewNotifier(alerttest.Spec("mail", "email", tc.opts), alert.Env{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), password) {
			t.Errorf("opts %q: err = %v, want %q", tc.opts, err, tc.want)
		}
	}
}
