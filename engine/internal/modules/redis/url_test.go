package redis

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, url string
		want      target
	}{
		{"a bare host and port has no credentials and database 0", "redis://127.0.0.1:16379",
			target{addr: "127.0.0.1:16379", shown: "redis://127.0.0.1:16379"}},
		{"a missing port is 6379", "redis://cache",
			target{addr: "cache:6379", shown: "redis://cache"}},
		{"user, password and database are read and the password hidden", "rediss://app:s3cret@db.example:6380/3",
			target{tls: true, user: "app", password: "s3cret", addr: "db.example:6380", db: 3, shown: "rediss://app:%2A%2A%2A@db.example:6380/3"}},
		{"an empty user with a password is the default user", "redis://:s3cret@h:1",
			target{password: "s3cret", addr: "h:1", shown: "redis://:%2A%2A%2A@h:1"}},
		{"a lone user info is the password", "redis://s3cret@h:1/0",
			target{password: "s3cret", addr: "h:1", shown: "redis://:%2A%2A%2A@h:1/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseURLErrorsHideThePassword(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"another scheme is refused", "http://u:s3cret@h:1",
			`redis: invalid URL "http://u:%2A%2A%2A@h:1": use redis[s]://[[user]:password@]host:port[/db]`},
		{"a database that is no number is refused", "redis://u:s3cret@h:1/x",
			`redis: invalid database "x" in URL redis://u:%2A%2A%2A@h:1/x: use a number such as /0`},
		{"a URL without host is refused", "redis://",
			`redis: invalid URL "redis://": use redis[s]://[[user]:password@]host:port[/db]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseURL(tt.url)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}
