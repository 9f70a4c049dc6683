#!/usr/bin/env bash
# A throwaway PostgreSQL 15 standing in for the PEM backend: a `pem` database with pem.agent, pem.job,
# role pem_agent, registered agents 1 and 2 (roles agent1/agent2) and PEM's `hostssl ... cert` line.
# Run as root (initdb and pg_ctl run as the postgres user). Stop it with: ./start-postgres.sh stop
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB=/tmp/pemstate-local-postgres
PORT="${PORT:-55432}"
[ -x "$BIN/initdb" ] || { echo "PostgreSQL 15 is missing: apt-get install -y postgresql" >&2; exit 1; }
if [ "${1:-}" = stop ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$LAB/data" -m fast stop; rm -rf "$LAB"; exit 0; fi

mkdir -p "$LAB/data" "$LAB/run" && chmod 0755 "$LAB" && chmod 0700 "$LAB/data" && chown postgres:postgres "$LAB/data" "$LAB/run"
runuser -u postgres -- "$BIN/initdb" -D "$LAB/data" -U postgres -A trust --no-sync --no-instructions >/dev/null
cat >> "$LAB/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$LAB/run'
CONF
cat > "$LAB/data/pg_hba.conf" <<HBA
local   all   all                       trust
hostssl pem   +pem_agent  127.0.0.1/32  cert
host    all   postgres    127.0.0.1/32  trust
HBA
# SSL on, as PEM's installer leaves it: a server certificate for localhost from an installer CA that root.crt holds.
# pemstate verifies the database against root.crt (sslmode verify-full) from its first plan; its apply replaces both.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=pem-installer-ca" \
  -keyout "$LAB/installer-ca.key" -out "$LAB/data/root.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$LAB/data/server.key" -out "$LAB/server.csr" 2>/dev/null
openssl x509 -req -in "$LAB/server.csr" -CA "$LAB/data/root.crt" -CAkey "$LAB/installer-ca.key" -set_serial 1 -days 30 \
  -extfile <(printf "subjectAltName=DNS:localhost,IP:127.0.0.1") -out "$LAB/data/server.crt" 2>/dev/null
rm -f "$LAB/installer-ca.key" "$LAB/server.csr"
chown postgres:postgres "$LAB/data/root.crt" "$LAB/data/server.crt" "$LAB/data/server.key"
chmod 0600 "$LAB/data/root.crt" "$LAB/data/server.crt" "$LAB/data/server.key"
echo "ssl = on" >> "$LAB/data/postgresql.conf"
runuser -u postgres -- "$BIN/pg_ctl" -D "$LAB/data" -l "$LAB/run/postgres.log" -w start >/dev/null
psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE pem"
psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d pem <<SQL
CREATE SCHEMA pem;
CREATE TABLE pem.agent(id int PRIMARY KEY, active bool NOT NULL, description text);
CREATE TABLE pem.job(jobname text PRIMARY KEY, jobenabled bool);
INSERT INTO pem.job VALUES ('Check CA certificate expiry', true);
CREATE ROLE pem_agent NOLOGIN;
INSERT INTO pem.agent VALUES (1, true, 'agent 1'), (2, true, 'agent 2');
CREATE ROLE agent1 LOGIN; GRANT pem_agent TO agent1;
CREATE ROLE agent2 LOGIN; GRANT pem_agent TO agent2;
SQL
echo "PostgreSQL runs on 127.0.0.1:$PORT with data in $LAB/data; inventory: $HERE/pemstate.yaml"
