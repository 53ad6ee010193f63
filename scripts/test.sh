#!/usr/bin/env bash
# Sets up (installs, builds) and runs every test: unit tests, then the integration tests
# that start the real gateway and mock backend on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/promtool.sh  # the metrics test checks /metrics with Prometheus' own parser
build_dir=${BUILD_DIR:-build}
# The shipped example configuration must stay valid.
OPENAI_API_KEY=x ANTHROPIC_API_KEY=x TOLLGATE_ADMIN_TOKEN=x \
  "$build_dir/src/tollgate" --check-config --config config/tollgate.example.yaml
"$build_dir/src/tollgate" --check-config --config config/tollgate.yaml
# So must the configs the package and the image ship.
for shipped in packaging/tollgate.yaml docker/tollgate.docker.yaml; do
  OPENAI_API_KEY=x TOLLGATE_ADMIN_TOKEN=x "$build_dir/src/tollgate" --check-config --config "$shipped"
done
cd "$build_dir"
ctest --output-on-failure --timeout 300 "$@"
# The fault catalogue (docs/RELIABILITY.md): every fault played against the real binaries;
# red when an outcome is wrong, its figures printed (also: cmake --build build --target reliability).
if [ $# -eq 0 ]; then
  echo "== fault catalogue"
  benchmarks/fault_catalogue
fi
