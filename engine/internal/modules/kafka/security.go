package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanism names accepted in sasl.algorithm. The upstream Kafka extension spells
// them "sasl_plain" etc.; those spellings are accepted too so that upstream
// scripts using its literal strings keep working.
const (
	saslPlain     = "plain"
	saslScram256  = "scram-sha-256"
	saslScram512  = "scram-sha-512"
	saslNoneAlias = "none"
)

var saslAliases = map[string]string{
	"sasl_plain":        saslPlain,
	"sasl_scram_sha256": saslScram256,
	"sasl_scram_sha512": saslScram512,
}

// saslSettings is comparable so shared clients can detect differing configs.
type saslSettings struct {
	mechanism string
	username  string
	password  string
}

// String and GoString keep the password out of any formatted output.
func (s saslSettings) String() string {
	return fmt.Sprintf("sasl(%s, user %q)", s.mechanism, s.username)
}

func (s saslSettings) GoString() string { return s.String() }

func readSASL(parent *options) (*saslSettings, error) {
	o, ok, err := parent.nested("sasl", "algorithm", "username", "password")
	if err != nil || !ok {
		return nil, err
	}
	names := []string{saslPlain, saslScram256, saslScram512, saslNoneAlias,
		"sasl_plain", "sasl_scram_sha256", "sasl_scram_sha512"}
	mech, ok, err := o.choice("algorithm", names...)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, o.errorf("algorithm", `is required ("plain", "scram-sha-256" or "scram-sha-512")`)
	}
	if alias, isAlias := saslAliases[mech]; isAlias {
		mech = alias
	}
	if mech == saslNoneAlias {
		// Upstream uses algorithm "none" to mean no authentication.
		return nil, nil
	}
	user, ok, err := o.str("username")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, o.errorf("username", "is required when sasl is set")
	}
	pass, ok, err := o.secret("password")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, o.errorf("password", "is required when sasl is set")
	}
	return &saslSettings{mechanism: mech, username: user, password: pass}, nil
}

func (s *saslSettings) clientOpt() kgo.Opt {
	switch s.mechanism {
	case saslScram256:
		return kgo.SASL(scram.Auth{User: s.username, Pass: s.password}.AsSha256Mechanism())
	case saslScram512:
		return kgo.SASL(scram.Auth{User: s.username, Pass: s.password}.AsSha512Mechanism())
	default:
		return kgo.SASL(plain.Auth{User: s.username, Pass: s.password}.AsMechanism())
	}
}

// tlsSettings holds file paths, not file contents, so it stays comparable
// and never carries key material into error messages.
type tlsSettings struct {
	insecureSkipVerify bool
	caFile             string
	certFile           string
	keyFile            string
}

// readTLS accepts this module's names and upstream's (enableTls,
// insecureSkipTlsVerify, serverCaPem, clientCertPem, clientKeyPem; upstream
// also treats those *Pem options as file paths). A tls object without an
// explicit enabled flag turns TLS on: passing TLS settings and silently
// getting plaintext would be a worse surprise.
func readTLS(parent *options) (*tlsSettings, error) {
	o, ok, err := parent.nested("tls", "enabled", "insecureSkipVerify", "caFile", "certFile", "keyFile",
		"enableTls", "insecureSkipTlsVerify", "serverCaPem", "clientCertPem", "clientKeyPem")
	if err != nil || !ok {
		return nil, err
	}
	enabled := true
	for _, name := range []string{"enabled", "enableTls"} {
		if v, set, err := o.boolean(name); err != nil {
			return nil, err
		} else if set {
			enabled = v
		}
	}
	if !enabled {
		return nil, nil
	}
	var t tlsSettings
	for _, name := range []string{"insecureSkipVerify", "insecureSkipTlsVerify"} {
		if v, set, err := o.boolean(name); err != nil {
			return nil, err
		} else if set {
			t.insecureSkipVerify = v
		}
	}
	paths := []struct {
		dst         *string
		name, alias string
	}{
		{&t.caFile, "caFile", "serverCaPem"},
		{&t.certFile, "certFile", "clientCertPem"},
		{&t.keyFile, "keyFile", "clientKeyPem"},
	}
	for _, p := range paths {
		for _, name := range []string{p.name, p.alias} {
			if v, set, err := o.str(name); err != nil {
				return nil, err
			} else if set {
				*p.dst = v
			}
		}
	}
	if (t.certFile == "") != (t.keyFile == "") {
		return nil, o.errorf("certFile", "and keyFile must be set together for client certificates")
	}
	return &t, nil
}

// config loads the referenced files. Errors name the file, never its
// contents.
func (t *tlsSettings) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.insecureSkipVerify} //nolint:gosec // opt-in by the script
	if t.caFile != "" {
		pem, err := os.ReadFile(t.caFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: cannot read tls.caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: tls.caFile %q contains no PEM certificates", t.caFile)
		}
		cfg.RootCAs = pool
	}
	if t.certFile != "" {
		cert, err := tls.LoadX509KeyPair(t.certFile, t.keyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: cannot load tls.certFile %q / tls.keyFile %q: %w", t.certFile, t.keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
