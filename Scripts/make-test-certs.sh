#!/usr/bin/env bash
# Makes a TEST certificate authority and certificates for TLS tests and local clusters (never for
# production: the keys are unencrypted and the CA key sits beside them).
#
# Usage: Scripts/make-test-certs.sh DIR
#
# Writes into DIR (created if missing), all PEM, ECDSA P-256, valid for 30 days:
#   ca.pem, ca-key.pem            the test CA ("skv test CA")
#   member.pem, member-key.pem    a cluster member's certificate: CN=skv-member, SANs
#                                 IP:127.0.0.1, IP:::1, DNS:localhost; usable as server and client
#                                 certificate (members dial each other with it)
#   client.pem, client-key.pem    a client certificate from the same CA: CN=skv-client (no SANs needed)
#   rogue-ca.pem, rogue.pem, rogue-key.pem
#                                 an unrelated CA and a certificate it signed with the member's names
#                                 (CN=skv-member, same SANs): what an outsider could make; refused by
#                                 anyone who trusts only ca.pem
# Needs the openssl command-line tool.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir="$1"
mkdir -p "$dir"
cd "$dir"
command -v openssl >/dev/null || { echo "make-test-certs: the openssl command is missing" >&2; exit 1; }
days=30
sans="subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"

# make_ca NAME SUBJECT: a self-signed CA certificate NAME.pem with key NAME-key.pem.
make_ca() {
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$1-key.pem" -out "$1.pem" -days "$days" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# make_leaf NAME CN CA EXTENSIONS: NAME.pem (signed by CA) with key NAME-key.pem.
make_leaf() {
  local name="$1" cn="$2" ca="$3" extensions="$4"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$name-key.pem" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  printf '%s\n' "$extensions" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca-key.pem" -CAcreateserial \
    -out "$name.pem" -days "$days" -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

make_ca ca "/CN=skv test CA"
make_leaf member skv-member ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
$sans"
make_leaf client skv-client ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
make_ca rogue-ca "/CN=unrelated test CA"
make_leaf rogue skv-member rogue-ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
$sans"
rm -f ./*.srl
chmod 600 ./*-key.pem
echo "make-test-certs: wrote test CA and certificates to $dir"
