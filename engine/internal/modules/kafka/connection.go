package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	// dialTimeout bounds one TCP+TLS+SASL connection attempt.
	dialTimeout = 5 * time.Second
	// reachTimeout bounds how long a client that never connected may take
	// to prove the cluster is reachable; franz-go itself retries forever.
	reachTimeout = 10 * time.Second
)

// dialWatch remembers connection outcomes. franz-go retries failed dials
// internally and eventually reports a generic timeout; the watch lets us
// report the real cause (refused, unresolvable, TLS, authentication).
type dialWatch struct {
	mu        sync.Mutex
	connected bool  // some connection has succeeded at least once
	lastErr   error // latest failed attempt; cleared by a success
}

var _ kgo.HookBrokerConnect = (*dialWatch)(nil)

func (w *dialWatch) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.connected, w.lastErr = true, nil
		return
	}
	w.lastErr = err
}

func (w *dialWatch) state() (connected bool, lastErr error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.connected, w.lastErr
}

// link is a franz-go client plus what is needed to explain its failures.
type link struct {
	client  *kgo.Client
	brokers []string
	watch   *dialWatch
}

func openLink(conn connSettings, extra ...kgo.Opt) (*link, error) {
	watch := &dialWatch{}
	opts := []kgo.Opt{
		kgo.SeedBrokers(conn.brokers...),
		kgo.DialTimeout(dialTimeout),
		kgo.WithHooks(watch),
		// franz-go refreshes metadata at most every 5 s by default, so the first records for a
		// topic that setup() created a moment ago could wait that long for its partition leaders:
		// a latency spike at the start of every run. Load tests create topics, so refresh sooner.
		kgo.MetadataMinAge(250 * time.Millisecond),
	}
	if conn.sasl != nil {
		opts = append(opts, conn.sasl.clientOpt())
	}
	if conn.tls != nil {
		cfg, err := conn.tls.config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	client, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: invalid client configuration: %s", oneLine(err))
	}
	return &link{client: client, brokers: conn.brokers, watch: watch}, nil
}

// reachable fails fast, within reachTimeout, while the client has never
// managed to talk to any broker. Once connected, franz-go's own retries and
// timeouts take over. The error text has no "kafka: " prefix so callers can
// say what they were doing.
func (l *link) reachable(ctx context.Context) error {
	if connected, _ := l.watch.state(); connected {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	if err := l.client.Ping(ctx); err != nil {
		return errors.New(l.explain(err))
	}
	return nil
}

// explain renders err as one line, naming the brokers when the root cause
// is connectivity, TLS or authentication. Timeouts are attributed to the
// latest failed connection attempt when there is one.
func (l *link) explain(err error) string {
	cause := err
	if _, last := l.watch.state(); last != nil && isTimeout(err) {
		cause = last
	}
	brokers := strings.Join(l.brokers, ",")
	switch {
	case isAuthError(cause):
		return fmt.Sprintf("authentication with brokers %s failed (%s); check the sasl options", brokers, oneLine(cause))
	case isTLSError(cause):
		return fmt.Sprintf("TLS handshake with brokers %s failed (%s); check the tls options", brokers, oneLine(cause))
	case isDialError(cause):
		return fmt.Sprintf("cannot reach brokers %s (%s); check the broker list", brokers, oneLine(dialCause(cause)))
	case errors.Is(cause, context.DeadlineExceeded):
		return fmt.Sprintf("brokers %s did not answer in time; check the broker list", brokers)
	}
	return oneLine(cause)
}

func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, kgo.ErrRecordTimeout) ||
		errors.Is(err, kgo.ErrRecordRetries)
}

func isDialError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns)
}

// dialCause strips franz-go's "unable to dial: " wrapper.
func dialCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	return err
}

func isAuthError(err error) bool {
	return errors.Is(err, kerr.SaslAuthenticationFailed) ||
		errors.Is(err, kerr.UnsupportedSaslMechanism) ||
		errors.Is(err, kerr.IllegalSaslState)
}

func isTLSError(err error) bool {
	var (
		header   tls.RecordHeaderError
		alert    tls.AlertError
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &header) || errors.As(err, &alert) || errors.As(err, &verify) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// oneLine keeps multi-line causes from breaking the engine's one-line error output.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func (l *link) close() {
	l.client.Close()
}
