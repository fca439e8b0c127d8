package redis

import (
	"fmt"
	"strings"
	"testing"

	"spate.local/engine/internal/modules/moduletest"
)

func newVU(t *testing.T) *moduletest.VU {
	t.Helper()
	vu := moduletest.New(t)
	vu.Import("k6/x/redis", "redis")
	return vu
}

func TestJSClientAgainstRedis(t *testing.T) {
	vu := newVU(t)
	key := uniqueKey(t)
	vu.Run(fmt.Sprintf(`var client = new redis.Client(%q); var key = %q;`, redisURL(t), key))
	vu.Start()
	t.Cleanup(func() { _, _ = vu.Await(`client.del(key, key + ":h", [key + ":s"])`) })

	tests := []struct{ name, expr, want string }{
		{"set resolves with OK", `client.set(key + ":s", "hello", 60)`, "OK"},
		{"get resolves with the value", `client.get(key + ":s")`, "hello"},
		{"expire resolves with true for a key that exists", `client.expire(key + ":s", 120)`, "true"},
		{"ttl reads the expiry", `client.ttl(key + ":s").then(t => t > 60 && t <= 120)`, "true"},
		{"exists counts keys given as arguments or arrays", `client.exists(key + ":s", [key + ":nope"])`, "1"},
		{"hincrby resolves with the new number", `client.hincrby(key + ":h", "count", 500).then(() => client.hincrby(key + ":h", "count", 7))`, "507"},
		{"hset resolves with the fields added", `client.hset(key + ":h", "name", "spate")`, "1"},
		{"hgetall resolves with an object of strings", `client.hgetall(key + ":h").then(h => JSON.stringify(h))`, `{"count":"507","name":"spate"}`},
		{"hgetall of a missing key is an empty object", `client.hgetall(key + ":none").then(h => JSON.stringify(h))`, `{}`},
		// HSCAN of a two-field hash answers in one reply whatever else the shared Redis holds
		// (a SCAN of the whole keyspace would need to follow the cursor).
		{"sendCommand resolves with nested arrays as HSCAN returns them", `client.sendCommand("HSCAN", key + ":h", 0).then(r => Array.isArray(r) && r[0] === "0" && Array.isArray(r[1]) && r[1].join())`, "count,507,name,spate"},
		{"sendCommand resolves with null for a missing value", `client.sendCommand("GET", key + ":none").then(r => r === null)`, "true"},
		{"sendCommand passes numbers as JS writes them", `client.sendCommand("HINCRBYFLOAT", key + ":h", "f", 0.5).then(() => client.hget(key + ":h", "f"))`, "0.5"},
		{"del resolves with the count deleted", `client.del(key + ":s")`, "1"},
	}
	for _, tt := range tests {
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

	rejections := []struct{ name, expr, want string }{
		{"get of a missing key rejects", `client.get(key + ":s")`, `GoError: redis: key "` + key + `:s" does not exist`},
		{"a wrong number of arguments rejects", `client.hincrby(key)`, "GoError: redis: hincrby() takes 3 arguments, got 1"},
		{"an object argument rejects", `client.hset(key, "f", {a: 1})`, "GoError: redis: argument 3 must be a string, number or boolean, got an object"},
		{"a Redis error reply rejects with one line", `client.hincrby(key + ":h", "name", 1)`, "GoError: redis: HINCRBY failed on "},
	}
	for _, tt := range rejections {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vu.Await(tt.expr)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v, want %s...", err, tt.want)
			}
		})
	}
}

func TestJSClientErrors(t *testing.T) {
	vu := newVU(t)
	tests := []struct{ name, code, want string }{
		{"a client without URL throws", `new redis.Client()`, "TypeError: redis: Client needs a URL string, redis[s]://[[user]:password@]host:port[/db], or an options object {socket: {host, port, tls}, username, password, database}"},
		{"a bad URL throws without its password", `new redis.Client("http://u:s3cret@h:1")`,
			`GoError: redis: invalid URL "http://u:%2A%2A%2A@h:1": use redis[s]://[[user]:password@]host:port[/db]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vu.Thrown(tt.code); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("commands in init code reject", func(t *testing.T) {
		vu.Run(`var c = new redis.Client("redis://127.0.0.1:1")`)
		_, err := vu.Await(`c.get("k")`)
		if err == nil || err.Error() != "GoError: redis: commands cannot run in the init context; call them from the default function, setup or teardown" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an unreachable server rejects with one line", func(t *testing.T) {
		vu.Start()
		_, err := vu.Await(`c.get("k")`)
		want := "GoError: redis: cannot connect to 127.0.0.1:1 (connect: connection refused); check the host and port in the URL and that Redis is up"
		if err == nil || err.Error() != want {
			t.Fatalf("got %v", err)
		}
	})
}
