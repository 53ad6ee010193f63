#!/usr/bin/env bash
# The main job end to end on the embedded default: builds, starts the bundled mock LLM
# backend and the gateway (config/tollgate.yaml, memory store), creates a consumer and mints
# an API key through the Admin API, sends a chat request and a streamed one through the
# gateway with that key (metered against the plan: see the x-ratelimit-* headers and the
# usage), shows a request without a key refused, shows the access-log lines, and stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build_dir=${BUILD_DIR:-build}
workdir=$(mktemp -d)
cleanup() {
  kill "${gateway_pid:-}" "${mock_pid:-}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: nothing listens on port $1" >&2
  return 1
}

"$build_dir/src/mock_backend/tollgate-mock" --listen 127.0.0.1:9000 >"$workdir/mock.log" 2>&1 &
mock_pid=$!
"$build_dir/src/tollgate" --config config/tollgate.yaml >"$workdir/gateway.log" 2>&1 &
gateway_pid=$!
wait_port 9000
wait_port 8080
wait_port 9091

admin_token=${TOLLGATE_ADMIN_TOKEN:-demo-admin-token}
admin() { curl -sS -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' "$@"; }

echo "== Admin API: create a consumer"
admin -X POST http://127.0.0.1:9091/v1/consumers -d '{"id":"acme","name":"Acme Inc."}'
echo
echo "== Admin API: mint an API key for it (the key appears only in this answer)"
minted=$(admin -X POST http://127.0.0.1:9091/v1/consumers/acme/keys -d '{"name":"demo"}')
echo "$minted"
key=$(echo "$minted" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
[ -n "$key" ] || { echo "demo: no key in the mint answer" >&2; exit 1; }
echo

echo "== POST /v1/chat/completions through Tollgate (127.0.0.1:8080 -> mock on 127.0.0.1:9000)"
curl -sS -D - http://127.0.0.1:8080/v1/chat/completions \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}],"max_tokens":8}'
echo
echo
echo "== the same, streamed (server-sent events relayed as they arrive)"
curl -sS -N http://127.0.0.1:8080/v1/chat/completions \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello"}],"max_tokens":3}'
echo
echo "== Admin API: the consumer's usage (plan free: the demo's two requests are metered)"
admin http://127.0.0.1:9091/v1/consumers/acme/usage
echo
echo "== without a key: refused with OpenAI's error shape (the SDKs raise AuthenticationError)"
curl -sS -w '\nHTTP %{http_code}\n' http://127.0.0.1:8080/v1/chat/completions \
  -H 'Content-Type: application/json' -d '{"model":"gpt-4o-mini","messages":[]}'
kill -TERM "$gateway_pid"
wait "$gateway_pid" || true
echo "== gateway log (access lines: request id, model, upstream, consumer, key prefix, status, bytes, latency)"
cat "$workdir/gateway.log"
