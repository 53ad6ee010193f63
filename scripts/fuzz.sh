#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-16 with ASan and UBSan), replays each target's
# committed corpus (fuzz/corpus/<target>/), then fuzzes each for a bounded time. A crash or a
# broken invariant fails the run and leaves the input in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh                     replay, then 20 s per target (what CI runs)
#   FUZZ_SECONDS=3600 scripts/fuzz.sh   a long campaign: an hour per target
#   FUZZ_RUNS=20000 scripts/fuzz.sh     a fixed number of runs from seed 1: the same inputs
#                                       every time (what CI runs, so that it cannot fail by luck)
#   scripts/fuzz.sh --merge             also merge what the run found into the committed corpora
#   scripts/fuzz.sh request_head sse    only these targets
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang-16 libfuzzer-16-dev libclang-rt-16-dev llvm-16)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "fuzz: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

merge=0
targets=()
for a in "$@"; do
  case "$a" in
    --merge) merge=1 ;;
    *) targets+=("$a") ;;
  esac
done
if ((${#targets[@]} == 0)); then
  targets=(request_head response request_scan usage_reader sse config admin_input resp tokenizer
           http_differential)
fi
seconds=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}

CC=clang-16 CXX=clang++-16 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTG_TESTS=OFF -DTG_FUZZ=ON >/dev/null
cmake --build "$build" --target fuzzers --parallel "$(nproc)"

export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  found="$build/found/$t"
  mkdir -p "$corpus" "$found"
  bin="$build/fuzz/${t}_fuzz"
  # Replay: every committed input, once.
  "$bin" -runs=0 -artifact_prefix="$build/artifacts/$t-" "$corpus" 2>"$build/$t.replay.log" ||
    { cat "$build/$t.replay.log"; echo "fuzz: $t: a committed input fails"; exit 1; }
  # Fuzz: new inputs go to $found, the committed corpus seeds it.
  if [ -n "${FUZZ_RUNS:-}" ]; then
    budget=(-runs="$FUZZ_RUNS" -seed=1)
  else
    budget=(-max_total_time="$seconds")
  fi
  "$bin" "${budget[@]}" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$found" "$corpus" \
    2>"$build/$t.log" || { tail -60 "$build/$t.log"; echo "fuzz: $t failed"; exit 1; }
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$build/$t.log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$build/$t.log")
  cov=$(grep -o 'cov: [0-9]*' "$build/$t.log" | tail -1)
  echo "fuzz: $t ok: $execs runs ($rate/s), $cov edges, peak RSS $rss MB"
  if ((merge)); then
    "$bin" -merge=1 "$corpus" "$found" 2>/dev/null
  fi
done
