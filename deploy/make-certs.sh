#!/usr/bin/env bash
# Make a station CA, a server certificate and station client certificates with openssl, for a
# test bench or a private deployment (in production, use your PKI's server certificate).
#
#   deploy/make-certs.sh csms.example.com                  # CA + server certificate
#   deploy/make-certs.sh csms.example.com CP-0001 CP-0002  # ... + client certificates
#
# Writes into ${CERTS_DIR:-deploy/certs}: station-ca.{crt,key}, server.{crt,key} and
# <identity>.{crt,key} for each station (subject CN = the station identity, as profile 3
# requires). An existing CA is reused, so stations can be added later.
set -euo pipefail
host="${1:?usage: make-certs.sh SERVER_HOSTNAME [STATION_IDENTITY ...]}"
shift
dir="${CERTS_DIR:-$(dirname "$0")/certs}"
days="${CERT_DAYS:-825}"
mkdir -p "$dir"
cd "$dir"
umask 077

if [ ! -f station-ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=CSMS station CA" -keyout station-ca.key -out station-ca.crt \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
fi

sign() {  # sign <name> <subject> <extensions>
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
    -keyout "$1.key" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA station-ca.crt -CAkey station-ca.key -CAcreateserial \
    -days "$days" -out "$1.crt" -extfile <(printf '%s\n' "$3")
  rm "$1.csr"
}

san="DNS:$host"
[[ "$host" =~ ^[0-9.]+$|: ]] && san="IP:$host"
sign server "/CN=$host" "$(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth' "$san")"
for identity in "$@"; do
  sign "$identity" "/CN=$identity" "extendedKeyUsage=clientAuth"
done
chmod 644 ./*.crt
echo "certificates in $dir: $(ls ./*.crt | xargs -n1 basename | tr '\n' ' ')"
