#!/bin/sh
# A throwaway NGINX standing in for PEM's web server (PEM 10 can serve its web interface with NGINX), run as a
# plain process from lab/nginx/ next to this script; nothing is installed or started as a system service.
#
#   ./start-nginx.sh [start]   start it on 127.0.0.1:${PORT:-8443}: PEM's server block in lab/nginx/conf/edb-pem.conf
#                              with a self-signed certificate, as PEM's installer leaves it, beside another site's block
#   ./start-nginx.sh stop      stop it (SIGQUIT to the master named in lab/nginx/run/nginx.pid)
#
# Environment: PORT (default 8443; pemstate.yaml's web.address must say the same), NGINX (default /usr/sbin/nginx).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix="$here/lab/nginx"
port=${PORT:-8443}
nginx=${NGINX:-/usr/sbin/nginx}
pidfile="$prefix/run/nginx.pid"

case "${1:-start}" in
stop)
    if [ -f "$pidfile" ]; then kill -QUIT "$(cat "$pidfile")" && echo "stopped nginx ($prefix)"; else echo "nginx is not running ($pidfile is missing)"; fi
    exit 0
    ;;
start) ;;
*) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

[ -x "$nginx" ] || { echo "$nginx is missing: install NGINX with: apt-get install -y nginx" >&2; exit 1; }
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "nginx already runs from $prefix"; exit 0; fi

mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/run" "$prefix/temp" "$prefix/resources"
selfsigned() { # name key certificate
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -days 30 -keyout "$2" -out "$3" 2>/dev/null
    chmod 600 "$2"
}
[ -f "$prefix/resources/server-pem.crt" ] || selfsigned pem.example.com "$prefix/resources/server-pem.key" "$prefix/resources/server-pem.crt"
[ -f "$prefix/resources/other.crt" ] || selfsigned other.example.com "$prefix/resources/other.key" "$prefix/resources/other.crt"

cat > "$prefix/nginx.conf" <<CONF
worker_processes 1;
error_log $prefix/logs/error.log info;
pid $pidfile;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $prefix/temp/body;
    proxy_temp_path $prefix/temp/proxy;
    fastcgi_temp_path $prefix/temp/fastcgi;
    uwsgi_temp_path $prefix/temp/uwsgi;
    scgi_temp_path $prefix/temp/scgi;
    include $prefix/conf/edb-pem.conf;
}
CONF
# PEM's site file is written once: pemstate edits it in place, and a restart of this script must not undo that.
[ -f "$prefix/conf/edb-pem.conf" ] || cat > "$prefix/conf/edb-pem.conf" <<CONF
# Another site on the same server: pemstate leaves its block alone.
server {
    listen 127.0.0.1:$port ssl default_server;
    server_name other.example.com;
    ssl_certificate $prefix/resources/other.crt;
    ssl_certificate_key $prefix/resources/other.key;
    location / { return 200 "other site\n"; }
}

# PEM's web interface (edb-pem.conf).
server {
    listen 127.0.0.1:$port ssl;
    server_name pem.example.com localhost;
    ssl_certificate $prefix/resources/server-pem.crt;
    ssl_certificate_key $prefix/resources/server-pem.key;
    location / { return 200 "PEM\n"; }
}
CONF

"$nginx" -e "$prefix/logs/error.log" -p "$prefix/" -c "$prefix/nginx.conf"
echo "nginx serves https://127.0.0.1:$port/ (PEM's block: $prefix/conf/edb-pem.conf; log: $prefix/logs/error.log)"
