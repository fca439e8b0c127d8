package redis

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// parseOptions reads the options object of `new Client({...})`, k6's Redis extension's
// single-node form:
//
//	{ socket: { host, port, tls: { ca: [pem], cert: pem, key: pem }, dialTimeout, readTimeout },
//	  username, password, database, clientName }
//
// Every key is checked: an unknown or unsupported one is an error naming it, never ignored.
// Errors never contain the password.
func parseOptions(raw map[string]any) (target, error) {
	var t target
	raw = defined(raw)
	if err := onlyKeys("options", raw, "socket", "username", "password", "database", "clientName",
		"masterName", "sentinelUsername", "sentinelPassword", "cluster"); err != nil {
		return t, err
	}
	for _, k := range []string{"cluster", "masterName", "sentinelUsername", "sentinelPassword"} {
		if _, ok := raw[k]; ok {
			return t, fmt.Errorf("redis: option %s is not supported: spate's k6/x/redis connects to one node; give that node's socket.host and socket.port", k)
		}
	}
	socket, ok := raw["socket"].(map[string]any)
	if !ok {
		return t, fmt.Errorf("redis: options need socket: {host, port}, e.g. new Client({socket: {host: '127.0.0.1', port: 6379}})")
	}
	socket = defined(socket)
	if err := onlyKeys("socket", socket, "host", "port", "tls", "dialTimeout", "readTimeout"); err != nil {
		return t, err
	}
	host, ok := socket["host"].(string)
	if !ok || host == "" {
		return t, fmt.Errorf("redis: socket.host must be a host name or address, e.g. '127.0.0.1'")
	}
	port := 6379
	if v, ok := socket["port"]; ok {
		n, err := whole("socket.port", v)
		if err != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("redis: socket.port must be a port number from 1 to 65535, got %v", v)
		}
		port = n
	}
	t.addr = net.JoinHostPort(host, strconv.Itoa(port))
	for _, d := range []struct {
		key string
		set *time.Duration
	}{{"dialTimeout", &t.dialTimeout}, {"readTimeout", &t.ioTimeout}} {
		v, ok := socket[d.key]
		if !ok {
			continue
		}
		f, isNumber := number(v)
		if !isNumber || f <= 0 {
			return t, fmt.Errorf("redis: socket.%s must be a positive number of seconds, got %v", d.key, v)
		}
		*d.set = time.Duration(f * float64(time.Second))
	}
	if v, ok := socket["tls"]; ok {
		opts, ok := v.(map[string]any)
		if !ok {
			return t, fmt.Errorf("redis: socket.tls must be an object {ca: [pem], cert: pem, key: pem}")
		}
		cfg, err := tlsConfig(host, opts)
		if err != nil {
			return t, err
		}
		t.tls, t.tlsConfig = true, cfg
	}
	for _, s := range []struct {
		key string
		set *string
	}{{"username", &t.user}, {"password", &t.password}, {"clientName", &t.clientName}} {
		v, ok := raw[s.key]
		if !ok {
			continue
		}
		str, isString := v.(string)
		if !isString {
			return t, fmt.Errorf("redis: option %s must be a string", s.key)
		}
		*s.set = str
	}
	if t.clientName != "" && strings.ContainsAny(t.clientName, " \n\r\t") {
		return t, fmt.Errorf("redis: clientName %q must not contain spaces or newlines (Redis refuses them)", t.clientName)
	}
	if v, ok := raw["database"]; ok {
		db, err := whole("database", v)
		if err != nil || db < 0 {
			return t, fmt.Errorf("redis: database must be a whole number from 0, got %v", v)
		}
		t.db = db
	}
	scheme := "redis"
	if t.tls {
		scheme = "rediss"
	}
	user := ""
	if t.user != "" {
		user = t.user + "@"
	}
	t.shown = fmt.Sprintf("%s://%s%s/%d", scheme, user, t.addr, t.db)
	return t, nil
}

// tlsConfig builds the client's TLS settings: the server's certificate checked against ca (PEM
// certificates, trusted instead of the system's roots) or the system's roots when ca is absent,
// and a client certificate when cert and key are given.
func tlsConfig(host string, opts map[string]any) (*tls.Config, error) {
	opts = defined(opts)
	if err := onlyKeys("socket.tls", opts, "ca", "cert", "key"); err != nil {
		return nil, err
	}
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if v, ok := opts["ca"]; ok {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("redis: socket.tls.ca must be a list of PEM certificates, e.g. ca: [open('ca.pem')]")
		}
		pool := x509.NewCertPool()
		for i, item := range list {
			pem, isString := item.(string)
			if !isString || !pool.AppendCertsFromPEM([]byte(pem)) {
				return nil, fmt.Errorf("redis: socket.tls.ca[%d] holds no PEM certificate; pass the CA file's text, e.g. open('ca.pem')", i)
			}
		}
		cfg.RootCAs = pool
	}
	cert, hasCert := opts["cert"]
	key, hasKey := opts["key"]
	if hasCert != hasKey {
		return nil, fmt.Errorf("redis: socket.tls needs both cert and key for a client certificate, or neither")
	}
	if hasCert {
		certPEM, ok1 := cert.(string)
		keyPEM, ok2 := key.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("redis: socket.tls.cert and socket.tls.key must be PEM text, e.g. open('client.pem')")
		}
		pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
		if err != nil {
			return nil, fmt.Errorf("redis: socket.tls.cert and key do not form a client certificate (%s); check that both files are PEM and belong together", oneLine(err.Error()))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// defined drops the keys set to undefined or null, which JS code means as absent
// ({password: __ENV.REDIS_PASSWORD} with the variable unset).
func defined(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// onlyKeys fails on the first key of m (in name order) that is not one of allowed.
func onlyKeys(where string, m map[string]any, allowed ...string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !known {
			return fmt.Errorf("redis: unknown %s key %q; known keys: %s", where, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// number reads a JS number exported to Go (int64 or float64).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	}
	return 0, false
}

func whole(what string, v any) (int, error) {
	f, ok := number(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, fmt.Errorf("redis: %s must be a whole number", what)
	}
	return int(f), nil
}
