#!/usr/bin/env bash
# Head-of-line blocking by large prompts: one worker thread serves small metered chat
# requests (wrk, -c8) while one client keeps sending metered requests with a 1 MiB prompt to
# the same worker. Prints the small requests' latency percentiles with the large prompts
# counted inline on the io thread (tokenizer.offload_bytes: 0) and on the count pool (the
# default, 64 KiB). docs/RELIABILITY.md records the figures.
#
#   benchmarks/tokenizer/head_of_line.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-8}
build=${BUILD_DIR:-build}
[ -x "$build/src/tollgate" ] || scripts/setup.sh >/dev/null
source benchmarks/load/common.sh

# A 1 MiB prompt of varied words (no repeated text: the count cache must not answer it).
python3 - "$dir/large.json" <<'PY'
import json, random, sys
random.seed(7)
syll = ["ka", "lo", "mi", "ter", "on", "zu", "pre", "ant", "ish", "ble", "qua", "dor"]
words = []
size = 0
while size < 1024 * 1024:
    w = "".join(random.choice(syll) for _ in range(random.randint(1, 4)))
    words.append(w)
    size += len(w) + 1
body = {"model": "gpt-4o-mini", "max_tokens": 8,
        "messages": [{"role": "user", "content": " ".join(words)}]}
open(sys.argv[1], "w").write(json.dumps(body))
PY

run() {  # $1: offload_bytes
  local mock_port tg_port admin_port
  mock_port=$(port) tg_port=$(port) admin_port=$(port)
  "$build/src/mock_backend/tollgate-mock" --listen "127.0.0.1:$mock_port" --threads 2 >"$dir/mock.log" 2>&1 &
  local mock=$!
  cat >"$dir/tollgate.yaml" <<YAML
server: { listen: 127.0.0.1:$tg_port, threads: 1 }
admin: { listen: 127.0.0.1:$admin_port, token: bench-admin-token }
auth: { enabled: true }
log: { access_log: false }
tokenizer: { offload_bytes: $1, count_cache_entries: 0 }
upstreams:
  - { name: mock, url: "http://127.0.0.1:$mock_port", models: ["*"] }
plans:
  bench: { limits: [ { window: minute, tokens: 1000000000000 } ] }
default_plan: bench
YAML
  "$build/src/tollgate" --config "$dir/tollgate.yaml" >/dev/null 2>"$dir/tollgate.log" &
  local tg=$!
  wait_port "$admin_port"; wait_port "$tg_port"
  local admin=(curl -sS -H 'Authorization: Bearer bench-admin-token')
  "${admin[@]}" -X POST "http://127.0.0.1:$admin_port/v1/consumers" -d '{"id":"bench"}' >/dev/null
  local key
  key=$("${admin[@]}" -X POST "http://127.0.0.1:$admin_port/v1/consumers/bench/keys" -d '{}' |
        sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
  local url="http://127.0.0.1:$tg_port/v1/chat/completions"
  local heavy=()
  for _ in 1; do
    (while :; do
       curl -sS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
         --data-binary @"$dir/large.json" "$url" || true
     done) &
    heavy+=($!)
  done
  sleep 1
  BENCH_KEY=$key wrk -t1 -c8 -d"${seconds}s" --latency -s benchmarks/load/chat.lua "$url" >"$dir/wrk.txt"
  kill "${heavy[@]}" 2>/dev/null || true
  wait "${heavy[@]}" 2>/dev/null || true
  kill "$tg" "$mock" 2>/dev/null || true
  wait "$tg" "$mock" 2>/dev/null || true
  local rps p50 p90 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$dir/wrk.txt")
  p90=$(awk '$1 == "90%" {print $2}' "$dir/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$dir/wrk.txt")
  echo "offload_bytes=$1: small requests $rps/s, p50 $p50, p90 $p90, p99 $p99"
}
run 0
run 65536
