#!/usr/bin/env bash
# User-space instructions per proxied request, under callgrind: deterministic, unlike wrk on
# a shared 2-core machine (±15 % between runs). Starts the mock backend and the gateway
# (under valgrind), mints a key, warms up, then counts what `wrk -t1 -c4` costs and divides
# by the requests of that window (access-log lines). Kernel time is not counted.
#
#   benchmarks/load/instructions.sh [metered|auth|durable]   (default: metered, memory store;
#   durable: metered with store.path, so every reservation and settlement goes to the usage log)
set -euo pipefail
cd "$(dirname "$0")/../.."
kind=${1:-metered}
for tool in valgrind wrk curl; do
  command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null
done
build=${BUILD_DIR:-build}
[ -x "$build/src/tollgate" ] || scripts/setup.sh >/dev/null
source benchmarks/load/common.sh
mock_port=$(port) tg_port=$(port) admin_port=$(port)
"$build/src/mock_backend/tollgate-mock" --listen "127.0.0.1:$mock_port" --threads 2 >"$dir/mock.log" 2>&1 &
pids+=($!)
plan=""
[ "$kind" != auth ] && plan="plans:
  bench: { limits: [ { window: minute, tokens: 1000000000000 }, { window: day, requests: 1000000000000 } ] }
default_plan: bench"
cat >"$dir/tollgate.yaml" <<YAML
server: { listen: 127.0.0.1:$tg_port, threads: 2 }
admin: { listen: 127.0.0.1:$admin_port, token: bench-admin-token }
auth: { enabled: true }
upstreams:
  - { name: mock, url: "http://127.0.0.1:$mock_port", api_key: sk-upstream, models: ["*"], max_idle_connections: 128 }
$plan
YAML
[ "$kind" = durable ] && echo "store: { kind: memory, path: $dir/journal }" >>"$dir/tollgate.yaml"
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$build/src/tollgate" \
  --config "$dir/tollgate.yaml" >"$dir/access.log" 2>"$dir/tollgate.log" &
tg=$!
pids+=($tg)
wait_port "$admin_port" 300; wait_port "$tg_port" 300
admin() { curl -sS -H 'Authorization: Bearer bench-admin-token' "$@"; }
admin -X POST "http://127.0.0.1:$admin_port/v1/consumers" -d '{"id":"bench"}' >/dev/null
key=$(admin -X POST "http://127.0.0.1:$admin_port/v1/consumers/bench/keys" -d '{}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
url="http://127.0.0.1:$tg_port/v1/chat/completions"
BENCH_KEY=$key wrk -t1 -c4 -d2s -s benchmarks/load/chat.lua "$url" >/dev/null
sleep 0.5
callgrind_control -z "$tg" >/dev/null
before=$(wc -l <"$dir/access.log")
BENCH_KEY=$key wrk -t1 -c4 -d4s -s benchmarks/load/chat.lua "$url" >/dev/null
sleep 0.5  # the access log is written in batches, at most 100 ms late
callgrind_control -d "$tg" >/dev/null
after=$(wc -l <"$dir/access.log")
total=$(callgrind_annotate "$dir/cg.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
requests=$((after - before))
echo "$kind: $requests requests, $((total / requests)) user-space instructions per request"
cp "$dir/cg.out.1" "${KEEP_PROFILE:-/dev/null}" 2>/dev/null || true
echo "profile: callgrind_annotate --inclusive=yes $dir/cg.out.1"
trap - EXIT
cleanup
