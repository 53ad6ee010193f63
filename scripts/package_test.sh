#!/usr/bin/env bash
# Builds the .deb, installs it on this machine (as root), and starts the installed daemon
# the way its systemd unit would (as the tollgate user, config from /etc/tollgate, state in
# /var/lib/tollgate; systemd itself need not run) against the mock backend: a key minted
# with the token the postinst generated, a metered request answered, usage kept. Then the
# package is purged.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
[ "$(id -u)" -eq 0 ] || { echo "package_test: needs root (installs a package)"; exit 1; }
(cd "$build_dir" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build_dir"/tollgate_*.deb | head -1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
daemon="" mock=""
cleanup() {
  set +e  # every step, whatever the one before did
  [ -n "$daemon" ] && { kill "$daemon"; wait "$daemon"; } 2>/dev/null
  [ -n "$mock" ] && { kill "$mock"; wait "$mock"; } 2>/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq tollgate >/dev/null
}
trap cleanup EXIT
test -x /usr/bin/tollgate && test -x /usr/bin/tollgate-mock
test -f /etc/tollgate/tollgate.yaml && test -f /lib/systemd/system/tollgate.service
test -d /var/lib/tollgate && getent passwd tollgate >/dev/null
/usr/bin/tollgate --version

# The shipped config points at OpenAI; for the test, the same file with the mock as upstream.
/usr/bin/tollgate-mock --listen 127.0.0.1:0 >/tmp/tollgate-pkg-mock.log 2>&1 &
mock=$!
for _ in $(seq 50); do grep -q "listening on" /tmp/tollgate-pkg-mock.log && break; sleep 0.1; done
mock_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' /tmp/tollgate-pkg-mock.log | head -1)
sed "s|https://api.openai.com|http://127.0.0.1:$mock_port|" /etc/tollgate/tollgate.yaml >/etc/tollgate/test.yaml
set -a; . /etc/tollgate/tollgate.env; set +a
OPENAI_API_KEY=sk-test
export OPENAI_API_KEY
# As the unit does: its user, its working directory, config check first.
cd /var/lib/tollgate
as_unit() { setpriv --reuid=tollgate --regid=tollgate --init-groups "$@"; }
as_unit /usr/bin/tollgate --check-config --config /etc/tollgate/test.yaml
# setpriv execs the daemon: $! is its pid (a function in the background would be a subshell).
setpriv --reuid=tollgate --regid=tollgate --init-groups \
  /usr/bin/tollgate --config /etc/tollgate/test.yaml >/tmp/tollgate-pkg.out 2>/tmp/tollgate-pkg.err &
daemon=$!
for _ in $(seq 100); do curl -sf localhost:9091/healthz >/dev/null && break; sleep 0.1; done
T="Authorization: Bearer $TOLLGATE_ADMIN_TOKEN"
curl -sf -H "$T" -X POST localhost:9091/v1/consumers -d '{"id":"pkg"}' >/dev/null
key=$(curl -sf -H "$T" -X POST localhost:9091/v1/consumers/pkg/keys -d '{}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" localhost:8080/v1/chat/completions \
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}],"max_tokens":5}')
[ "$status" = 200 ] || { echo "package_test: the installed daemon answered $status"; cat /tmp/tollgate-pkg.err; exit 1; }
used=$(curl -sf -H "$T" localhost:9091/v1/consumers/pkg/usage | sed -n 's/.*"used":\([0-9]*\).*/\1/p' | head -1)
[ "${used:-0}" -gt 0 ] || { echo "package_test: no usage recorded"; exit 1; }
test -f /var/lib/tollgate/tollgate.journal && test -f /var/lib/tollgate/tollgate.journal.usage
echo "package_test: installed daemon served a metered request ($used tokens used), journal in /var/lib/tollgate"
rm -f /etc/tollgate/test.yaml
