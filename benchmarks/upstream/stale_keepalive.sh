#!/usr/bin/env bash
# The stale keep-alive scenario of docs/CONFIG.md ("Pool"): an upstream that closes idle
# keep-alive connections after 2 s (uvicorn and Node close them after 5 s), a burst of 64
# concurrent requests, a 3 s lull, then 8 requests one by one. Prints each status; a 502
# here is the gateway's own fault. The gateway keeps pooled connections for 60 s, so only
# its liveness check and its retry on a fresh connection stand between a client and a 502.
#
#   benchmarks/upstream/stale_keepalive.sh [BUILD_DIR]   (default build; MOCK_BUILD=DIR takes
#   the mock from another build, to run an older gateway against this mock; POOL_KEY= drops
#   the keepalive_timeout key, which older gateways do not know)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mock=$(port) gw=$(port) admin=$(port)
"${MOCK_BUILD:-$build}/src/mock_backend/tollgate-mock" --listen "127.0.0.1:$mock" --keepalive-timeout 2s >"$dir/mock.log" 2>&1 &
cat >"$dir/gw.yaml" <<YAML
server: { listen: 127.0.0.1:$gw, threads: 2 }
admin: { listen: 127.0.0.1:$admin, token: t }
auth: { enabled: false }
upstreams:
  - { name: m, url: "http://127.0.0.1:$mock", models: ["*"]${POOL_KEY-, keepalive_timeout: 60s} }
YAML
"$build/src/tollgate" --config "$dir/gw.yaml" >"$dir/gw.log" 2>&1 &
for _ in $(seq 50); do curl -s "http://127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done
body='{"model":"m","messages":[],"max_tokens":2}'
for i in $(seq 64); do
  curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$gw/v1/chat/completions" -d "$body" &
done > "$dir/burst.txt"
wait $(jobs -p | tail -64) 2>/dev/null || true
sleep 3
echo "burst: $(sort "$dir/burst.txt" | uniq -c | tr '\n' ' ')"
printf 'after the lull:'
for i in $(seq 8); do
  printf ' %s' "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw/v1/chat/completions" -d "$body")"
done
echo
