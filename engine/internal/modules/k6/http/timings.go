package http

import (
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"time"
)

// phases are the times of a request's steps, as httptrace reports them.
type phases struct {
	start, getConn, gotConn, connectStart, connectDone, tlsStart, tlsDone time.Time
	wrote, firstByte, done                                                time.Time
	remote                                                                net.Addr
}

func (p *phases) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { p.getConn = time.Now() },
		GotConn: func(info httptrace.GotConnInfo) {
			p.gotConn = time.Now()
			p.remote = info.Conn.RemoteAddr()
		},
		ConnectStart:         func(string, string) { p.connectStart = time.Now() },
		ConnectDone:          func(string, string, error) { p.connectDone = time.Now() },
		TLSHandshakeStart:    func() { p.tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { p.tlsDone = time.Now() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { p.wrote = time.Now() },
		GotFirstResponseByte: func() { p.firstByte = time.Now() },
	}
}

func ms(from, to time.Time) float64 {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return float64(to.Sub(from)) / float64(time.Millisecond)
}

// durations are k6's phases of a request in milliseconds: blocked (waiting for a connection,
// minus connecting and TLS), connecting, TLS handshaking, sending, waiting (for the first
// byte) and receiving. http_req_duration is the sum of the last three.
func (p *phases) durations() (blocked, connecting, tlsTime, sending, waiting, receiving float64) {
	connecting, tlsTime = ms(p.connectStart, p.connectDone), ms(p.tlsStart, p.tlsDone)
	blocked = max(0, ms(p.getConn, p.gotConn)-connecting-tlsTime)
	sending, waiting, receiving = ms(p.gotConn, p.wrote), ms(p.wrote, p.firstByte), ms(p.firstByte, p.done)
	return
}
