package redis

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	dialTimeout = 5 * time.Second
	// ioTimeout bounds a command whose context has no deadline, so a dead server fails a call
	// instead of hanging the VU.
	ioTimeout = 30 * time.Second
	maxIdle   = 32
)

// Client is a pool of connections to one Redis, shared by every user of the same URL in the
// process (all VUs, the ledger). It is safe for concurrent use.
type Client struct {
	target target
	mu     sync.Mutex
	idle   []*conn
}

var (
	sharedMu sync.Mutex
	shared   = map[string]*Client{}
)

// Shared returns the process's client for url, creating it on first use. It does not connect:
// the first command does.
func Shared(url string) (*Client, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if c, ok := shared[url]; ok {
		return c, nil
	}
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	c := &Client{target: t}
	shared[url] = c
	return c, nil
}

// SharedOptions is Shared for an options object (options.go): clients with the same options
// share their connections.
func SharedOptions(opts map[string]any) (*Client, error) {
	t, err := parseOptions(opts)
	if err != nil {
		return nil, err
	}
	canonical, err := json.Marshal(opts) // map keys sorted: equal options, equal key
	if err != nil {
		return nil, fmt.Errorf("redis: options cannot be read (%s); pass plain strings and numbers", oneLine(err.Error()))
	}
	key := "options:" + string(canonical)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if c, ok := shared[key]; ok {
		return c, nil
	}
	c := &Client{target: t}
	shared[key] = c
	return c, nil
}

// Addr is the URL without its password, for messages.
func (c *Client) Addr() string { return c.target.shown }

// Do sends one command and returns its reply: string, int64, nil, []any. An error reply is
// returned as a *ServerError inside the error.
func (c *Client) Do(ctx context.Context, args ...string) (any, error) {
	replies, err := c.roundTrip(ctx, [][]string{args})
	if err != nil {
		return nil, err
	}
	if se, ok := replies[0].(*ServerError); ok {
		return nil, c.commandError(args[0], se)
	}
	return replies[0], nil
}

// Pipeline sends the commands in one round trip and returns their replies; the first error
// reply fails the call.
func (c *Client) Pipeline(ctx context.Context, cmds ...[]string) ([]any, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	replies, err := c.roundTrip(ctx, cmds)
	if err != nil {
		return nil, err
	}
	for i, r := range replies {
		if se, ok := r.(*ServerError); ok {
			return nil, c.commandError(cmds[i][0], se)
		}
	}
	return replies, nil
}

// Transaction runs the commands atomically in MULTI/EXEC, in one round trip, and returns their
// replies. Nothing is applied when any command is refused.
func (c *Client) Transaction(ctx context.Context, cmds ...[]string) ([]any, error) {
	batch := make([][]string, 0, len(cmds)+2)
	batch = append(batch, []string{"MULTI"})
	batch = append(batch, cmds...)
	batch = append(batch, []string{"EXEC"})
	replies, err := c.roundTrip(ctx, batch)
	if err != nil {
		return nil, err
	}
	for i, r := range replies[:len(replies)-1] {
		if se, ok := r.(*ServerError); ok {
			return nil, c.commandError(batch[i][0], se)
		}
	}
	switch exec := replies[len(replies)-1].(type) {
	case []any:
		for i, r := range exec {
			if se, ok := r.(*ServerError); ok {
				return nil, c.commandError(cmds[i][0], se)
			}
		}
		return exec, nil
	case *ServerError:
		return nil, c.commandError("EXEC", exec)
	}
	return nil, fmt.Errorf("redis: the transaction on %s was aborted", c.target.shown)
}

func (c *Client) commandError(cmd string, se *ServerError) error {
	return fmt.Errorf("redis: %s failed on %s: %s", strings.ToUpper(cmd), c.target.addr, oneLine(se.Message))
}

// roundTrip pipelines cmds on one connection and reads one reply per command.
func (c *Client) roundTrip(ctx context.Context, cmds [][]string) ([]any, error) {
	cn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	replies, err := cn.pipeline(ctx, cmds)
	if err != nil {
		cn.close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("redis: %s on %s interrupted: %w", strings.ToUpper(cmds[0][0]), c.target.addr, ctx.Err())
		}
		return nil, fmt.Errorf("redis: lost the connection to %s (%s); check that Redis is up", c.target.addr, oneLine(err.Error()))
	}
	c.put(cn)
	return replies, nil
}

func (c *Client) get(ctx context.Context) (*conn, error) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		cn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return cn, nil
	}
	c.mu.Unlock()
	return c.dial(ctx)
}

func (c *Client) put(cn *conn) {
	c.mu.Lock()
	if len(c.idle) < maxIdle {
		c.idle = append(c.idle, cn)
		cn = nil
	}
	c.mu.Unlock()
	if cn != nil {
		cn.close()
	}
}

// Close closes the idle connections; the client stays usable and dials again when needed.
func (c *Client) Close() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cn := range idle {
		cn.close()
	}
}

// dial connects, authenticates and selects the database. Its errors name the address and the
// fix, never the password.
func (c *Client) dial(ctx context.Context) (*conn, error) {
	t := c.target
	d := net.Dialer{Timeout: dialTimeout}
	if t.dialTimeout > 0 {
		d.Timeout = t.dialTimeout
	}
	var nc net.Conn
	var err error
	if t.tls {
		cfg := t.tlsConfig
		if cfg == nil {
			host, _, _ := net.SplitHostPort(t.addr)
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		nc, err = (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(ctx, "tcp", t.addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", t.addr)
	}
	if err != nil {
		var op *net.OpError
		tcpFailed := errors.As(err, &op) && op.Op == "dial"
		if tcpFailed && op.Err != nil {
			err = op.Err
		}
		var unknownCA x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		var hostname x509.HostnameError
		if t.tls && (errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname)) {
			return nil, fmt.Errorf("redis: the TLS certificate of %s is not trusted (%s); give its CA with socket.tls.ca in the Client options (or the file in SSL_CERT_FILE for a URL)", t.addr, oneLine(err.Error()))
		}
		if t.tls && !tcpFailed {
			// Connected, but no TLS session: often a plain Redis, which waits for a newline
			// that a TLS handshake never sends.
			return nil, fmt.Errorf("redis: TLS handshake with %s failed (%s); check that the server speaks TLS, or use redis:// for one that does not", t.addr, oneLine(err.Error()))
		}
		return nil, fmt.Errorf("redis: cannot connect to %s (%s); check the host and port in the URL and that Redis is up", t.addr, oneLine(err.Error()))
	}
	cn := &conn{nc: nc, r: bufio.NewReaderSize(nc, 32<<10), w: bufio.NewWriterSize(nc, 32<<10), timeout: ioTimeout}
	if t.ioTimeout > 0 {
		cn.timeout = t.ioTimeout
	}
	var hello [][]string
	if t.password != "" {
		if t.user != "" {
			hello = append(hello, []string{"AUTH", t.user, t.password})
		} else {
			hello = append(hello, []string{"AUTH", t.password})
		}
	}
	if t.db != 0 {
		hello = append(hello, []string{"SELECT", strconv.Itoa(t.db)})
	}
	if t.clientName != "" {
		hello = append(hello, []string{"CLIENT", "SETNAME", t.clientName})
	}
	if len(hello) == 0 {
		return cn, nil
	}
	replies, err := cn.pipeline(ctx, hello)
	if err != nil {
		cn.close()
		return nil, fmt.Errorf("redis: lost the connection to %s while logging in (%s); check the URL's scheme (redis:// or rediss://)", t.addr, oneLine(err.Error()))
	}
	for i, r := range replies {
		if se, ok := r.(*ServerError); ok {
			cn.close()
			if hello[i][0] == "AUTH" {
				return nil, fmt.Errorf("redis: authentication to %s failed (%s); check the user and password in the URL", t.addr, oneLine(se.Message))
			}
			if hello[i][0] == "CLIENT" {
				return nil, fmt.Errorf("redis: cannot set the client name on %s (%s); check clientName in the Client options", t.addr, oneLine(se.Message))
			}
			return nil, fmt.Errorf("redis: cannot select database %d on %s (%s); check the /db of the URL", t.db, t.addr, oneLine(se.Message))
		}
	}
	return cn, nil
}

// conn is one connection; it is used by one caller at a time.
type conn struct {
	nc      net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration // bounds a command whose context has no deadline
}

func (cn *conn) pipeline(ctx context.Context, cmds [][]string) ([]any, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(cn.timeout)
	}
	_ = cn.nc.SetDeadline(deadline)
	// A cancelled context interrupts blocking reads and writes at once.
	stop := context.AfterFunc(ctx, func() { _ = cn.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	for _, args := range cmds {
		if err := writeCommand(cn.w, args); err != nil {
			return nil, err
		}
	}
	if err := cn.w.Flush(); err != nil {
		return nil, err
	}
	replies := make([]any, len(cmds))
	for i := range replies {
		r, err := readReply(cn.r)
		if err != nil {
			return nil, err
		}
		replies[i] = r
	}
	return replies, nil
}

func (cn *conn) close() { _ = cn.nc.Close() }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
