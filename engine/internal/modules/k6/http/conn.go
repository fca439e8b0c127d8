package http

import (
	"context"
	"net"
	"sync/atomic"
)

// byteCounter counts the bytes a VU's connections send and receive (TLS and headers included,
// as k6's data_sent and data_received do).
type byteCounter struct {
	sent, received atomic.Int64
}

func (c *byteCounter) dial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: conn, counter: c}, nil
	}
}

type countedConn struct {
	net.Conn
	counter *byteCounter
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.counter.received.Add(int64(n))
	return n, err
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.counter.sent.Add(int64(n))
	return n, err
}
