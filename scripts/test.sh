#!/usr/bin/env bash
# Installs what the tests need (Debian packages: openssl, PostgreSQL, OpenSSH server, sudo, strace, python3, Apache httpd with mod_ssl, NGINX,
# prometheus for promtool, which checks the metrics and alert rules, Chromium for the report's browser test, driven by
# Playwright with this executable: Playwright never downloads a browser, and zsh and fish, in which the completion scripts are tried)
# and runs every test project. The integration tests start those servers themselves, as
# processes on loopback in temp folders; nothing here starts a system service.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v python3 >/dev/null 2>&1 || [ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/sbin/apache2 ] || need+=(apache2)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v fish >/dev/null 2>&1 || need+=(fish)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "missing packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2; exit 1; fi
  # Package scripts must not start system services: the tests start their own servers.
  blocker=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; blocker=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -n "$blocker" ] && rm -f /usr/sbin/policy-rc.d
fi

log=$(mktemp)
status=0
dotnet test PemCertState.sln -c Release --nologo 2>&1 | tee "$log" || status=$?
# Only the summary lines ("Passed!  - Failed: 0, Passed: 906, ..."): a failure's message may say "Failed: 1" too.
summary=$(grep -E '^(Passed|Failed)! +- ' "$log" || true)
passed=$(grep -oE 'Passed: +[0-9]+' <<<"$summary" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' <<<"$summary" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed"
exit $status
