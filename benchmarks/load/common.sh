# Sourced by the load benchmarks: a scratch directory, processes killed on exit, free ports.
# wait_port's optional second argument: tenths of a second to wait (default 100; a gateway
# under valgrind needs longer).
dir=$(mktemp -d)
pids=()
# The access logs of a load run grow by ~1.5 GB and nobody reads them afterwards: removed, so
# that repeated runs do not fill the disk (the rest of $dir, wrk's output, stays).
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "$dir"/*access*.log
}
trap cleanup EXIT
# A free loopback port: probe random ports until one refuses a connection. Below the
# kernel's ephemeral range, so that no outgoing connection (gateway or nginx to the mock,
# wrk) takes it between the probe and the bind.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port() {
  local p
  while :; do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
wait_port() {
  for _ in $(seq "${2:-100}"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
