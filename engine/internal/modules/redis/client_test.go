package redis

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// redisURL is the shared local stack's Redis (SPATE_REDIS_URL overrides it). The tests talk to
// it for real, under keys of their own.
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("SPATE_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:16379"
	}
	tg, err := parseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", tg.addr, 2*time.Second)
	if err != nil {
		t.Fatalf("Redis is not reachable at %s (%v); start the local stack with `task up` or set SPATE_REDIS_URL", tg.addr, err)
	}
	c.Close()
	return u
}

func uniqueKey(t *testing.T) string {
	return fmt.Sprintf("spate-test:%s:%d", strings.ReplaceAll(t.Name(), "/", ":"), time.Now().UnixNano())
}

func TestClientCommandsAgainstRedis(t *testing.T) {
	c, err := Shared(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key := uniqueKey(t)
	t.Cleanup(func() { _, _ = c.Do(ctx, "DEL", key, key+":s") })

	t.Run("replies come back as strings, integers, nil and arrays", func(t *testing.T) {
		for _, step := range []struct {
			args []string
			want string
		}{
			{[]string{"SET", key + ":s", "v\r\nwith newline"}, "OK"},
			{[]string{"GET", key + ":s"}, "v\r\nwith newline"},
			{[]string{"GET", key + ":missing"}, "<nil>"},
			{[]string{"HINCRBY", key, "n", "9007199254740993"}, "9007199254740993"},
			{[]string{"HGETALL", key}, "[n 9007199254740993]"},
			{[]string{"EXISTS", key, key + ":s", key + ":missing"}, "2"},
		} {
			got, err := c.Do(ctx, step.args...)
			if err != nil {
				t.Fatalf("%v: %v", step.args, err)
			}
			if fmt.Sprint(got) != step.want {
				t.Fatalf("%v = %v, want %s", step.args, got, step.want)
			}
		}
	})
	t.Run("an error reply is one line naming the command and leaves the connection usable", func(t *testing.T) {
		_, err := c.Do(ctx, "HINCRBY", key+":s", "f", "1")
		if err == nil || !strings.HasPrefix(err.Error(), "redis: HINCRBY failed on ") || !strings.Contains(err.Error(), "WRONGTYPE") {
			t.Fatalf("got %v", err)
		}
		if got, err := c.Do(ctx, "PING"); err != nil || got != "PONG" {
			t.Fatalf("PING after an error reply: %v %v", got, err)
		}
	})
	t.Run("a transaction applies all its commands", func(t *testing.T) {
		replies, err := c.Transaction(ctx, []string{"HINCRBY", key, "a", "1"}, []string{"HINCRBY", key, "b", "2"})
		if err != nil || fmt.Sprint(replies) != "[1 2]" {
			t.Fatalf("replies %v, err %v", replies, err)
		}
	})
	t.Run("a transaction with a refused command applies nothing", func(t *testing.T) {
		_, err := c.Transaction(ctx, []string{"HINCRBY", key, "a", "1"}, []string{"HINCRBY", key, "b", "not-a-number", "extra"})
		if err == nil || !strings.Contains(err.Error(), "HINCRBY failed") {
			t.Fatalf("got %v", err)
		}
		if got, _ := c.Do(ctx, "HGET", key, "a"); got != "1" {
			t.Fatalf("a = %v after an aborted transaction, want 1", got)
		}
	})
	t.Run("one URL gives one shared client", func(t *testing.T) {
		again, _ := Shared(redisURL(t))
		if again != c {
			t.Fatal("a second Shared call for the URL made another client")
		}
	})
}

func TestClientErrorsAreOneLineWithoutThePassword(t *testing.T) {
	base := redisURL(t)
	tg, _ := parseURL(base)
	ctx := context.Background()

	// A user of our own, so that a right and a wrong password can both be tried.
	admin, _ := Shared(base)
	user := fmt.Sprintf("spate-test-%d", time.Now().UnixNano())
	if _, err := admin.Do(ctx, "ACL", "SETUSER", user, "on", ">right-pw", "~*", "+@all"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Do(ctx, "ACL", "DELUSER", user) })

	t.Run("the right password logs in", func(t *testing.T) {
		c, _ := Shared(fmt.Sprintf("redis://%s:right-pw@%s/2", user, tg.addr))
		if got, err := c.Do(ctx, "PING"); err != nil || got != "PONG" {
			t.Fatalf("%v %v", got, err)
		}
	})
	tests := []struct{ name, url, want string }{
		{"a wrong password names the address and the fix",
			fmt.Sprintf("redis://%s:wrong-s3cret@%s", user, tg.addr),
			"redis: authentication to " + tg.addr + " failed (WRONGPASS invalid username-password pair or user is disabled.); check the user and password in the URL"},
		{"an unreachable server names the address and the fix",
			"redis://:wrong-s3cret@127.0.0.1:1",
			"redis: cannot connect to 127.0.0.1:1 (connect: connection refused); check the host and port in the URL and that Redis is up"},
		{"TLS to a server without TLS names the address and the fix",
			fmt.Sprintf("rediss://:wrong-s3cret@%s", tg.addr),
			"redis: TLS handshake with " + tg.addr + " failed (context deadline exceeded); check that the server speaks TLS, or use redis:// for one that does not"},
		{"a database that does not exist names the fix",
			fmt.Sprintf("redis://%s/100000", tg.addr),
			"redis: cannot select database 100000 on " + tg.addr + " (ERR DB index is out of range); check the /db of the URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Shared(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Do(ctx, "PING")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line without the password: %q", err)
			}
		})
	}
	t.Run("a cancelled context interrupts a blocked command", func(t *testing.T) {
		c, _ := Shared(base)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Do(ctx, "BLPOP", uniqueKey(t), "10")
		if err == nil || time.Since(start) > 2*time.Second {
			t.Fatalf("BLPOP returned %v after %v", err, time.Since(start))
		}
	})
}
