#!/usr/bin/env bash
# The local stack's TLS material, made once per run directory with openssl:
#
#   stack/certs.sh <dir>
#
#   <dir>/ca.pem              the local CA; clients trust it (kafka.tls.caFile, NODE_EXTRA_CA_CERTS)
#   <dir>/server.pem, .key    the certificate of 127.0.0.1 and localhost, signed by the CA (Redis)
#   <dir>/kafka.p12           the same key and certificate as a PKCS#12 keystore (Kafka)
#   <dir>/kafka.p12.password  the keystore's random password (read by stack.sh only)
#
# Existing files are kept, so clients that trust the CA keep working across restarts. Private
# keys and the password are readable by their owner only.
set -euo pipefail
. "$(dirname "$0")/../build/lib.sh"
need_cmd openssl "install OpenSSL (Debian: apt-get install openssl)"

dir=${1:?usage: stack/certs.sh <dir>}
[ -f "$dir/ca.pem" ] && [ -f "$dir/server.pem" ] && [ -f "$dir/kafka.p12" ] && exit 0

mkdir -p "$dir"
umask 077
tmp=$(mktemp -d "$dir/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ossl() { openssl "$@" 2>>"$tmp/openssl.log" || { tail -n 5 "$tmp/openssl.log" >&2; fail "openssl $1 failed while making the local certificates in $dir (output above)"; }; }

# EC P-256 keys: quick to make, and understood by Java, Node, OpenSSL and Redis.
ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -subj "/CN=spate local stack CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=localhost" -keyout "$tmp/server.key" -out "$tmp/server.csr"
printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
  "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$tmp/server.ext"
ossl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 825 -extfile "$tmp/server.ext" -out "$tmp/server.pem"
# The keystore password never reaches a command line: openssl reads it from a file.
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$tmp/kafka.p12.password"
ossl pkcs12 -export -name broker -inkey "$tmp/server.key" -in "$tmp/server.pem" -certfile "$tmp/ca.pem" \
  -passout "file:$tmp/kafka.p12.password" -out "$tmp/kafka.p12"

chmod 644 "$tmp/ca.pem" "$tmp/server.pem"
for f in ca.pem ca.key server.pem server.key kafka.p12 kafka.p12.password; do mv "$tmp/$f" "$dir/$f"; done
step "made a local CA and a certificate for 127.0.0.1/localhost in $dir"
