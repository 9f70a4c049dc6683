#!/bin/sh
# Plays the external (trusted) CA for examples/trusted-ca, with nothing but openssl:
# a root CA and an intermediate CA that signs the leaves, as a company CA would.
#
#   ./external-ca.sh init  [FOLDER]   make the CA (once): FOLDER/ca/ (private), FOLDER/trusted/ca.crt
#                                     (intermediate + root) and FOLDER/trusted/ca.crl (both CAs' CRLs)
#   ./external-ca.sh sign  [FOLDER]   sign every FOLDER/csr/*.csr that has no FOLDER/signed/<name>.crt for its key yet
#   ./external-ca.sh crl   [FOLDER]   publish fresh CRLs into FOLDER/trusted/ca.crl
#   ./external-ca.sh revoke FOLDER CERT   revoke CERT (a leaf the issuing CA signed: the serial pemstate's plan names
#                                     when a certificate is no longer used) and publish the CRLs again
#
# FOLDER defaults to this script's folder. server.csr and web.csr get serverAuth, every other request clientAuth;
# the subject and the subjectAltName (web.csr asks for the web server's names) are the ones in the request
# (pemstate checks them when the certificate comes back).
# Environment: DAYS (leaf validity, default 365), KEY (openssl genpkey algorithm options for the CA keys,
# default EC P-256), NAME (the CA's name in its subjects, default Example: "Example Root CA"; another NAME in
# another FOLDER makes a second CA, to try moving from one trusted CA to another).
set -eu

command=${1:-}
folder=${2:-$(dirname "$0")}
days=${DAYS:-365}
name=${NAME:-Example}
ca="$folder/ca"

genkey() { # out
    # shellcheck disable=SC2086
    openssl genpkey ${KEY:--algorithm EC -pkeyopt ec_paramgen_curve:P-256} -out "$1" 2>/dev/null
    chmod 600 "$1"
}

config() { # name -> an `openssl ca` config, only used to sign CRLs (index, crlnumber)
    mkdir -p "$ca/$1.db"
    [ -f "$ca/$1.db/index.txt" ] || : > "$ca/$1.db/index.txt"
    [ -f "$ca/$1.db/crlnumber" ] || echo 1000 > "$ca/$1.db/crlnumber"
    cat > "$ca/$1.cnf" <<CONF
[ ca ]
default_ca = this
[ this ]
database = $ca/$1.db/index.txt
crlnumber = $ca/$1.db/crlnumber
certificate = $ca/$1.crt
private_key = $ca/$1.key
default_md = sha256
default_crl_days = 30
CONF
}

publish_crl() {
    for name in intermediate root; do
        openssl ca -gencrl -config "$ca/$name.cnf" -out "$ca/$name.crl" 2>/dev/null
    done
    mkdir -p "$folder/trusted"
    cat "$ca/intermediate.crl" "$ca/root.crl" > "$folder/trusted/ca.crl"
}

case "$command" in
init)
    if [ -f "$ca/root.crt" ]; then echo "external CA already made in $ca"; exit 0; fi
    mkdir -p "$ca" "$folder/trusted"
    chmod 700 "$ca"
    genkey "$ca/root.key"
    openssl req -new -x509 -key "$ca/root.key" -subj "/C=IN/O=$name Corp/CN=$name Root CA" -days 3650 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$ca/root.crt"
    genkey "$ca/intermediate.key"
    openssl req -new -key "$ca/intermediate.key" -subj "/C=IN/O=$name Corp/CN=$name Issuing CA 1" -out "$ca/intermediate.csr"
    printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
        "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" > "$ca/intermediate.ext"
    openssl x509 -req -in "$ca/intermediate.csr" -CA "$ca/root.crt" -CAkey "$ca/root.key" -set_serial "0x$(openssl rand -hex 16)" \
        -days 1825 -sha256 -extfile "$ca/intermediate.ext" -out "$ca/intermediate.crt" 2>/dev/null
    config root
    config intermediate
    cat "$ca/intermediate.crt" "$ca/root.crt" > "$folder/trusted/ca.crt"
    publish_crl
    echo "made the external CA: $folder/trusted/ca.crt ($name Issuing CA 1 + $name Root CA) and $folder/trusted/ca.crl"
    ;;
sign)
    [ -f "$ca/intermediate.crt" ] || { echo "no CA yet: run $0 init $folder first" >&2; exit 1; }
    mkdir -p "$folder/signed"
    signed=0
    for request in "$folder"/csr/*.csr; do
        [ -f "$request" ] || continue
        name=$(basename "$request" .csr)
        out="$folder/signed/$name.crt"
        # Already signed, unless pemstate made a new key for it since (a renewal): then sign the new request.
        if [ -f "$out" ] && [ "$(openssl x509 -in "$out" -noout -pubkey)" = "$(openssl req -in "$request" -noout -pubkey)" ]; then continue; fi
        usage=clientAuth
        case "$name" in server|web) usage=serverAuth ;; esac
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=$usage" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" > "$ca/leaf.ext"
        openssl x509 -req -in "$request" -CA "$ca/intermediate.crt" -CAkey "$ca/intermediate.key" \
            -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 -extfile "$ca/leaf.ext" -copy_extensions copy -out "$out" 2>/dev/null
        echo "signed $request -> $out ($(openssl x509 -in "$out" -noout -subject))"
        signed=$((signed + 1))
    done
    echo "$signed request(s) signed"
    ;;
revoke)
    certificate=${3:-}
    [ -f "$certificate" ] || { echo "usage: $0 revoke FOLDER CERT (CERT: the certificate file to revoke)" >&2; exit 2; }
    openssl ca -revoke "$certificate" -config "$ca/intermediate.cnf" 2>/dev/null \
        || { echo "could not revoke $certificate with $ca/intermediate.cnf" >&2; exit 1; }
    publish_crl
    echo "revoked serial $(openssl x509 -in "$certificate" -noout -serial | cut -d= -f2); published $folder/trusted/ca.crl"
    ;;
crl)
    publish_crl
    echo "published $folder/trusted/ca.crl"
    ;;
*)
    echo "usage: $0 init|sign|crl [FOLDER] | revoke FOLDER CERT" >&2
    exit 2
    ;;
esac
