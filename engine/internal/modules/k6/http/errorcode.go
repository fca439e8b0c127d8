package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"syscall"
)

// errorCode is k6's error_code for a failed request (its documented ranges: 1000 general,
// 11xx DNS, 12xx TCP, 13xx TLS).
func errorCode(err error) int {
	var (
		dnsErr      *net.DNSError
		opErr       *net.OpError
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		certErr     *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		urlErr      *url.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return 1050
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return 1101
		}
		return 1100
	case errors.As(err, &unknownCA):
		return 1310
	case errors.As(err, &hostnameErr):
		return 1311
	case errors.As(err, &certErr), errors.As(err, &recordErr):
		return 1300
	case errors.Is(err, syscall.ECONNRESET):
		return 1220
	case errors.Is(err, syscall.EPIPE):
		return 1201
	case errors.As(err, &opErr) && opErr.Op == "dial":
		switch {
		case opErr.Timeout():
			return 1211
		case errors.Is(err, syscall.ECONNREFUSED):
			return 1212
		}
		return 1210
	case errors.As(err, &opErr):
		return 1200
	case errors.As(err, &urlErr) && urlErr.Timeout():
		return 1050
	}
	return 1000
}

// statusCode is the error_code of an HTTP error status: 1400-1499 and 1500-1599.
func statusCode(status int) int {
	if status >= 400 && status < 600 {
		return 1000 + status
	}
	return 0
}
