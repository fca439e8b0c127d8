package redis

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	tests := []struct{ name, wire, want string }{
		{"a simple string is a string", "+OK\r\n", "OK"},
		{"an error reply is a ServerError value", "-ERR wrong\r\n", "ERR wrong"},
		{"an integer is an int64", ":-42\r\n", "-42"},
		{"a bulk string keeps CR and LF inside", "$4\r\na\r\nb\r\n", "a\r\nb"},
		{"a null bulk string is nil", "$-1\r\n", "<nil>"},
		{"an array nests", "*2\r\n$1\r\n0\r\n*1\r\n:1\r\n", "[0 [1]]"},
		{"a null array is nil", "*-1\r\n", "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readReply(bufio.NewReader(strings.NewReader(tt.wire)))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tt.want {
				t.Fatalf("got %v, want %s", got, tt.want)
			}
			if _, isErr := got.(*ServerError); isErr != strings.HasPrefix(tt.wire, "-") {
				t.Fatalf("got a %T for %q", got, tt.wire)
			}
		})
	}
}

func TestReadReplyRefusesWhatIsNotRESP(t *testing.T) {
	for _, wire := range []string{"HTTP/1.1 400 Bad Request\r\n", "+OK\n", ":x\r\n", "$-2\r\n"} {
		t.Run(fmt.Sprintf("%q is refused", wire), func(t *testing.T) {
			if _, err := readReply(bufio.NewReader(strings.NewReader(wire))); !errors.Is(err, errProtocol) {
				t.Fatalf("got %v, want a protocol error", err)
			}
		})
	}
}

func TestWriteCommand(t *testing.T) {
	t.Run("arguments are written as bulk strings of their byte length", func(t *testing.T) {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		if err := writeCommand(w, []string{"SET", "k", "é\r\n"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if got, want := buf.String(), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\né\r\n\r\n"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
