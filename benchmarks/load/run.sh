#!/usr/bin/env bash
# Data-plane load benchmark, all in one run on this machine: the same small chat request
# (1) direct to the mock backend, (2) through nginx as a plain keep-alive reverse proxy,
# (3) through Tollgate with auth off, (4) through Tollgate with auth on and a warm key minted
# through its Admin API, (5) metered: auth on and a plan whose limit every request is
# reserved against and settled to (memory store), (6) the same on a Redis store (a local
# redis-server). Prints RPS and p50/p99 latency for each and the ratios, then the latency
# each adds at one connection, then the time to first chunk of a stream.
#
#   benchmarks/load/run.sh [--duration 10s] [--connections 64] [--rounds 3]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=10s connections=64 rounds=3
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in wrk nginx curl redis-server; do
  command -v "$tool" >/dev/null || { echo "installing $tool"; apt-get install -y -qq "$( [ $tool = nginx ] && echo nginx-light || echo $tool)" >/dev/null; }
done
build=${BUILD_DIR:-build}
[ -x "$build/src/tollgate" ] || scripts/setup.sh >/dev/null

source benchmarks/load/common.sh

workers=$(nproc)
mock_port=$(port) nginx_port=$(port) tg_port=$(port) tga_port=$(port)
tg_admin=$(port) tga_admin=$(port)
tgm_port=$(port) tgm_admin=$(port) tgr_port=$(port) tgr_admin=$(port) redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pids+=($!)
"$build/src/mock_backend/tollgate-mock" --listen "127.0.0.1:$mock_port" --threads "$workers" >"$dir/mock.log" 2>&1 &
pids+=($!)
sed -e "s#@DIR@#$dir#g" -e "s#@MOCK_PORT@#$mock_port#g" -e "s#@NGINX_PORT@#$nginx_port#g" \
    -e "s#@WORKERS@#$workers#g" benchmarks/load/nginx.conf.in >"$dir/nginx.conf"
nginx -c "$dir/nginx.conf" -p "$dir" &
nginx_pid=$!
pids+=($nginx_pid)
# $1 name, $2 proxy port, $3 admin port, $4 auth enabled, $5 extra top-level YAML
write_config() {
  cat >"$dir/$1.yaml" <<YAML
server:
  listen: 127.0.0.1:$2
  threads: $workers
admin:
  listen: 127.0.0.1:$3
  token: bench-admin-token
auth:
  enabled: $4
upstreams:
  - name: mock
    url: http://127.0.0.1:$mock_port
    api_key: sk-upstream
    models: ["*"]
    max_idle_connections: 128
${5:-}
YAML
}
# Metered: one limit per window kind the benchmark can never exhaust, so every request is
# reserved and settled (the common case), never refused.
metered="plans:
  bench: { limits: [ { window: minute, tokens: 1000000000000 }, { window: day, requests: 1000000000000 } ] }
default_plan: bench"
write_config tollgate "$tg_port" "$tg_admin" false
write_config tollgate-auth "$tga_port" "$tga_admin" true
write_config tollgate-meter "$tgm_port" "$tgm_admin" true "$metered"
write_config tollgate-meter-redis "$tgr_port" "$tgr_admin" true "$metered
store: { kind: redis, url: \"redis://127.0.0.1:$redis_port/0\" }"
"$build/src/tollgate" --config "$dir/tollgate.yaml" >"$dir/tollgate-access.log" 2>"$dir/tollgate.log" &
tollgate_pid=$!
pids+=($tollgate_pid)
"$build/src/tollgate" --config "$dir/tollgate-auth.yaml" >"$dir/tollgate-auth-access.log" 2>"$dir/tollgate-auth.log" &
tollgate_auth_pid=$!
pids+=($tollgate_auth_pid)
wait_port "$redis_port"
for t in tollgate-meter tollgate-meter-redis; do
  "$build/src/tollgate" --config "$dir/$t.yaml" >"$dir/$t-access.log" 2>"$dir/$t.log" &
  pids+=($!)
  eval "${t//-/_}_pid=$!"
done
wait_port "$mock_port"; wait_port "$nginx_port"; wait_port "$tg_port"; wait_port "$tga_port"; wait_port "$tga_admin"
wait_port "$tgm_admin"; wait_port "$tgr_admin"
admin() { curl -sS -H 'Authorization: Bearer bench-admin-token' "$@"; }
mint() {  # $1 admin port: a consumer and its key
  admin -X POST "http://127.0.0.1:$1/v1/consumers" -d '{"id":"bench"}' >/dev/null
  admin -X POST "http://127.0.0.1:$1/v1/consumers/bench/keys" -d '{}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p'
}
bench_key=$(mint "$tga_admin") meter_key=$(mint "$tgm_admin") redis_key=$(mint "$tgr_admin")
[ -n "$bench_key" ] && [ -n "$meter_key" ] && [ -n "$redis_key" ] || { echo "could not mint a key" >&2; exit 1; }

# CPU time (user+system, clock ticks) of a process and all its children, e.g. nginx workers.
cpu_ticks() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# One wrk run; prints "rps p50_ms p99_ms cpu_us_per_request" (cpu of the proxy, if any).
measure() {
  local url=$1 pid=$2 key=$3 out before after
  before=$( [ -n "$pid" ] && cpu_ticks "$pid" || echo 0)
  out=$(BENCH_KEY=$key wrk -t2 -c"$connections" -d"$duration" --latency -s benchmarks/load/chat.lua "$url")
  after=$( [ -n "$pid" ] && cpu_ticks "$pid" || echo 0)
  echo "$out" >>"$dir/wrk.txt"
  local rps p50 p99 requests
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $(awk -v t=$((after - before)) -v n="$requests" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
}
to_ms() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.3f", n }'; }

declare -A best_rps best_p50 best_p99 best_cpu sum_rps
targets=(direct nginx tollgate tollgate-auth meter-memory meter-redis)
declare -A proc=([direct]="" [nginx]="$nginx_pid" [tollgate]="$tollgate_pid"
                 [tollgate-auth]="$tollgate_auth_pid" [meter-memory]="$tollgate_meter_pid"
                 [meter-redis]="$tollgate_meter_redis_pid")
declare -A urls=([direct]="http://127.0.0.1:$mock_port/v1/chat/completions"
                 [nginx]="http://127.0.0.1:$nginx_port/v1/chat/completions"
                 [tollgate]="http://127.0.0.1:$tg_port/v1/chat/completions"
                 [tollgate-auth]="http://127.0.0.1:$tga_port/v1/chat/completions"
                 [meter-memory]="http://127.0.0.1:$tgm_port/v1/chat/completions"
                 [meter-redis]="http://127.0.0.1:$tgr_port/v1/chat/completions")
declare -A keys=([direct]="" [nginx]="" [tollgate]="" [tollgate-auth]="$bench_key"
                 [meter-memory]="$meter_key" [meter-redis]="$redis_key")
for t in "${targets[@]}"; do  # warm-up: pools, caches (and the key cache)
  BENCH_KEY=${keys[$t]} wrk -t1 -c8 -d1s -s benchmarks/load/chat.lua "${urls[$t]}" >/dev/null
done
# The authenticated targets must really be admitted, and metered: checks before measuring.
for t in tollgate-auth meter-memory meter-redis; do
  headers=$(curl -s -D - -o /dev/null "${urls[$t]}" -H "Authorization: Bearer ${keys[$t]}" \
    -H 'Content-Type: application/json' -d '{"model":"gpt-4o-mini","messages":[]}')
  grep -q '^HTTP/1.1 200' <<<"$headers" || { echo "$t: the minted key was refused" >&2; exit 1; }
  if [ "$t" != tollgate-auth ] && ! grep -qi '^x-ratelimit-limit-tokens' <<<"$headers"; then
    echo "$t: the request was not metered" >&2; exit 1
  fi
done
echo "machine: $(nproc) cores; wrk -t2 -c$connections -d$duration; best of $rounds interleaved rounds"
for r in $(seq "$rounds"); do
  for t in "${targets[@]}"; do
    read -r rps p50 p99 cpu < <(measure "${urls[$t]}" "${proc[$t]}" "${keys[$t]}")
    printf '  round %d %-13s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  proxy cpu %6.2f us/req\n' \
      "$r" "$t" "$rps" "$p50" "$p99" "$cpu"
    sum_rps[$t]=$(awk -v a="${sum_rps[$t]:-0}" -v b="$rps" 'BEGIN { print a + b }')
    if [ -z "${best_rps[$t]:-}" ] || awk -v a="$rps" -v b="${best_rps[$t]}" 'BEGIN{exit !(a>b)}'; then
      best_rps[$t]=$rps best_p50[$t]=$p50 best_p99[$t]=$p99 best_cpu[$t]=$cpu
    fi
  done
done
echo
printf '%-13s %12s %10s %10s %18s\n' target "req/s" "p50 ms" "p99 ms" "proxy cpu us/req"
for t in "${targets[@]}"; do
  printf '%-13s %12.0f %10.3f %10.3f %18.2f\n' "$t" "${best_rps[$t]}" "${best_p50[$t]}" "${best_p99[$t]}" "${best_cpu[$t]}"
done
awk -v a="${best_rps[tollgate]}" -v b="${best_rps[nginx]}" -v sa="${sum_rps[tollgate]}" -v sb="${sum_rps[nginx]}" \
  'BEGIN { printf "tollgate/nginx RPS ratio: %.3f (best of rounds), %.3f (mean of rounds)\n", a/b, sa/sb }'
awk -v a="${best_rps[tollgate-auth]}" -v b="${best_rps[tollgate]}" -v sa="${sum_rps[tollgate-auth]}" -v sb="${sum_rps[tollgate]}" \
  'BEGIN { printf "auth/no-auth RPS ratio: %.3f (best of rounds), %.3f (mean of rounds)\n", a/b, sa/sb }'
for t in meter-memory meter-redis; do
  awk -v t="$t" -v a="${best_rps[$t]}" -v b="${best_rps[nginx]}" -v sa="${sum_rps[$t]}" -v sb="${sum_rps[nginx]}" \
    'BEGIN { printf "%s/nginx RPS ratio: %.3f (best of rounds), %.3f (mean of rounds)\n", t, a/b, sa/sb }'
done

# Latency added at one connection (wrk -c1, 5 s each): what one client waits, per target.
echo
echo "one connection (wrk -t1 -c1 -d5s):"
for t in nginx tollgate-auth meter-memory meter-redis; do
  out=$(BENCH_KEY=${keys[$t]} wrk -t1 -c1 -d5s --latency -s benchmarks/load/chat.lua "${urls[$t]}")
  echo "$out" >>"$dir/wrk.txt"
  printf '  %-13s p50 %7.3f ms  p99 %7.3f ms  %8.0f req/s\n' "$t" \
    "$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")" "$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
done

# Time to first chunk of a stream (median of 200 sequential requests, fresh connection each).
ttfc() {
  local url=$1
  for _ in $(seq 200); do
    curl -s -o /dev/null -w '%{time_starttransfer}\n' "$url" -H 'Content-Type: application/json' \
      -d '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":16}'
  done | sort -n | awk '{ v[NR]=$1 } END { printf "%.3f", v[int(NR/2)+1]*1000 }'
}
direct_ttfc=$(ttfc "${urls[direct]}")
tg_ttfc=$(ttfc "${urls[tollgate]}")
echo "stream time to first chunk (median of 200): direct ${direct_ttfc} ms, tollgate ${tg_ttfc} ms, added $(awk -v a="$tg_ttfc" -v b="$direct_ttfc" 'BEGIN{printf "%.3f", a-b}') ms"
echo "raw wrk output: $dir/wrk.txt"
trap - EXIT
cleanup
