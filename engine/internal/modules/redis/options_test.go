package redis

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// selfSignedPEM makes a certificate and its key, as PEM text, for the options' TLS parsing.
func selfSignedPEM(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "spate-test-ca"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
}

func TestParseOptions(t *testing.T) {
	certPEM, keyPEM := selfSignedPEM(t)
	t.Run("a full single-node object", func(t *testing.T) {
		got, err := parseOptions(map[string]any{
			"socket":   map[string]any{"host": "db.example", "port": int64(6380), "tls": map[string]any{"ca": []any{certPEM}, "cert": certPEM, "key": keyPEM}, "dialTimeout": int64(2), "readTimeout": 0.5},
			"username": "app", "password": "s3cret", "database": int64(3), "clientName": "spate-load",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.addr != "db.example:6380" || !got.tls || got.user != "app" || got.password != "s3cret" || got.db != 3 || got.clientName != "spate-load" ||
			got.dialTimeout != 2*time.Second || got.ioTimeout != 500*time.Millisecond {
			t.Fatalf("parsed %+v", got)
		}
		if got.tlsConfig.ServerName != "db.example" || got.tlsConfig.RootCAs == nil || len(got.tlsConfig.Certificates) != 1 {
			t.Fatalf("TLS config %+v", got.tlsConfig)
		}
		if got.shown != "rediss://app@db.example:6380/3" || strings.Contains(got.shown, "s3cret") {
			t.Fatalf("shown as %q", got.shown)
		}
	})
	t.Run("defaults: port 6379, no TLS; undefined and null mean absent", func(t *testing.T) {
		got, err := parseOptions(map[string]any{"socket": map[string]any{"host": "127.0.0.1", "port": nil, "tls": nil}, "username": nil, "password": nil})
		if err != nil || got.addr != "127.0.0.1:6379" || got.tls || got.shown != "redis://127.0.0.1:6379/0" {
			t.Fatalf("got %+v, %v", got, err)
		}
	})

	errs := []struct {
		name string
		opts map[string]any
		want string
	}{
		{"no socket", map[string]any{"password": "s3cret"}, "redis: options need socket: {host, port}"},
		{"an unknown key is named", map[string]any{"socket": map[string]any{"host": "h"}, "pasword": "s3cret"}, `redis: unknown options key "pasword"; known keys: socket, username, password`},
		{"an unknown socket key is named", map[string]any{"socket": map[string]any{"host": "h", "poolSize": int64(4)}}, `redis: unknown socket key "poolSize"; known keys: host, port, tls, dialTimeout, readTimeout`},
		{"a cluster is refused", map[string]any{"cluster": map[string]any{}}, "redis: option cluster is not supported: spate's k6/x/redis connects to one node"},
		{"sentinel is refused", map[string]any{"socket": map[string]any{"host": "h"}, "masterName": "m"}, "redis: option masterName is not supported"},
		{"no host", map[string]any{"socket": map[string]any{"port": int64(1)}}, "redis: socket.host must be a host name or address"},
		{"a port out of range", map[string]any{"socket": map[string]any{"host": "h", "port": int64(70000)}}, "redis: socket.port must be a port number from 1 to 65535, got 70000"},
		{"a fractional port", map[string]any{"socket": map[string]any{"host": "h", "port": 1.5}}, "redis: socket.port must be a port number from 1 to 65535, got 1.5"},
		{"a zero timeout", map[string]any{"socket": map[string]any{"host": "h", "dialTimeout": int64(0)}}, "redis: socket.dialTimeout must be a positive number of seconds, got 0"},
		{"a CA that is not PEM", map[string]any{"socket": map[string]any{"host": "h", "tls": map[string]any{"ca": []any{"/etc/ca.pem"}}}}, "redis: socket.tls.ca[0] holds no PEM certificate; pass the CA file's text, e.g. open('ca.pem')"},
		{"a CA as one string", map[string]any{"socket": map[string]any{"host": "h", "tls": map[string]any{"ca": certPEM}}}, "redis: socket.tls.ca must be a list of PEM certificates"},
		{"a cert without key", map[string]any{"socket": map[string]any{"host": "h", "tls": map[string]any{"cert": certPEM}}}, "redis: socket.tls needs both cert and key"},
		{"a key that is not the cert's", map[string]any{"socket": map[string]any{"host": "h", "tls": map[string]any{"cert": certPEM, "key": certPEM}}}, "redis: socket.tls.cert and key do not form a client certificate"},
		{"an unknown TLS key", map[string]any{"socket": map[string]any{"host": "h", "tls": map[string]any{"insecureSkipVerify": true}}}, `redis: unknown socket.tls key "insecureSkipVerify"`},
		{"a negative database", map[string]any{"socket": map[string]any{"host": "h"}, "database": int64(-1)}, "redis: database must be a whole number from 0, got -1"},
		{"a password that is not a string", map[string]any{"socket": map[string]any{"host": "h"}, "password": int64(1234)}, "redis: option password must be a string"},
		{"a client name with a space", map[string]any{"socket": map[string]any{"host": "h"}, "clientName": "load gen"}, `redis: clientName "load gen" must not contain spaces`},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOptions(tt.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v, want %s...", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("the error holds the password or several lines: %q", err)
			}
		})
	}
}

func TestJSClientWithOptionsAgainstRedis(t *testing.T) {
	target, err := parseURL(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	if target.tls || target.password != "" {
		t.Skip("this case builds options for a plain Redis without password; SPATE_REDIS_URL is another kind")
	}
	host, port := splitAddr(t, target.addr)
	vu := newVU(t)
	key := uniqueKey(t)
	name := fmt.Sprintf("spate-test-%d", time.Now().UnixNano())
	vu.Run(fmt.Sprintf(`var client = new redis.Client({socket: {host: %q, port: %s, dialTimeout: 2, readTimeout: 10}, database: 2, clientName: %q}); var key = %q;`, host, port, name, key))
	vu.Start()
	t.Cleanup(func() { _, _ = vu.Await(`client.del(key)`) })
	for _, tt := range []struct{ name, expr, want string }{
		{"commands go to the database given", `client.set(key, "v", 60).then(() => client.sendCommand("CLIENT", "INFO")).then(info => /\bdb=2\b/.test(info))`, "true"},
		{"the connection carries the client name", `client.sendCommand("CLIENT", "GETNAME")`, name},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := vu.Await(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.want {
				t.Fatalf("%s resolved with %s, want %s", tt.expr, v, tt.want)
			}
		})
	}
	t.Run("a bad options object throws one line", func(t *testing.T) {
		got := vu.Thrown(`new redis.Client({socket: {host: "h"}, pasword: "x"})`)
		if !strings.HasPrefix(got, `GoError: redis: unknown options key "pasword"`) {
			t.Fatalf("got %s", got)
		}
	})
}

func splitAddr(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}
