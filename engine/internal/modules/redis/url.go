package redis

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// target is where and how to connect: a parsed redis[s]://[[user]:password@]host:port[/db] URL
// or an options object (options.go).
type target struct {
	tls       bool
	tlsConfig *tls.Config // nil: the system's roots, the host name checked
	user      string
	password  string
	addr      string // host:port
	db        int
	// clientName is set with CLIENT SETNAME on each connection when not empty.
	clientName string
	// dialTimeout and ioTimeout replace the defaults when not zero.
	dialTimeout, ioTimeout time.Duration
	// shown is the URL without its password, for error messages.
	shown string
}

// parseURL reads a Redis URL. Its errors never contain the password.
func parseURL(raw string) (target, error) {
	var t target
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" || u.Opaque != "" {
		return t, fmt.Errorf("redis: invalid URL %q: use redis[s]://[[user]:password@]host:port[/db]", redact(raw))
	}
	t.tls = u.Scheme == "rediss"
	if u.User != nil {
		t.user = u.User.Username()
		t.password, _ = u.User.Password()
		if _, hasPassword := u.User.Password(); !hasPassword {
			// redis://secret@host is the password alone, as redis-cli and other clients read it.
			t.user, t.password = "", u.User.Username()
		}
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "6379"
	}
	t.addr = net.JoinHostPort(host, port)
	if p := u.Path; p != "" && p != "/" {
		db, err := strconv.Atoi(p[1:])
		if err != nil || db < 0 {
			return t, fmt.Errorf("redis: invalid database %q in URL %s: use a number such as /0", p[1:], redact(raw))
		}
		t.db = db
	}
	shown := *u
	if u.User != nil {
		if t.password != "" {
			shown.User = url.UserPassword(t.user, "***")
		} else {
			shown.User = url.User(t.user)
		}
	}
	t.shown = shown.String()
	return t, nil
}

// redact hides what could be a password in a URL that did not parse.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable)"
		}
		return raw
	}
	u.User = url.UserPassword(u.User.Username(), "***")
	return u.String()
}
