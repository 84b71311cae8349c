#!/bin/sh
# Makes the test CA, the server's certificate (localhost, 127.0.0.1, ::1), a client's, and a
# self-signed client certificate no CA vouches for: each valid for 100 years, with an EC P-256 key
# in unencrypted PKCS#8 PEM. Run from this folder; it overwrites what is there.
set -eu
days=36500
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

key ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days "$days" -subj "/CN=gptneo test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

key server-key.pem
openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" "extendedKeyUsage=serverAuth" \
  "basicConstraints=critical,CA:FALSE" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days "$days" \
  -extfile server.ext -out server.pem

key client-key.pem
openssl req -new -key client-key.pem -subj "/CN=gptneo test client" -out client.csr
printf '%s\n' "extendedKeyUsage=clientAuth" "basicConstraints=critical,CA:FALSE" >client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days "$days" \
  -extfile client.ext -out client.pem

key stranger-key.pem
openssl req -x509 -new -key stranger-key.pem -sha256 -days "$days" -subj "/CN=gptneo stranger" \
  -addext "extendedKeyUsage=clientAuth" -out stranger.pem

rm -f server.csr server.ext client.csr client.ext ca.srl
