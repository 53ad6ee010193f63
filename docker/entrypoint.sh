#!/bin/sh
# Without TOLLGATE_ADMIN_TOKEN, makes one and keeps it in the state directory (readable by
# `docker exec CONTAINER cat /var/lib/tollgate/admin-token`), never in the log.
set -e
if [ -z "${TOLLGATE_ADMIN_TOKEN:-}" ]; then
  f=/var/lib/tollgate/admin-token
  if [ ! -s "$f" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$f")
    echo "tollgate: no TOLLGATE_ADMIN_TOKEN given; made one in $f" >&2
  fi
  TOLLGATE_ADMIN_TOKEN=$(cat "$f")
  export TOLLGATE_ADMIN_TOKEN
fi
exec tollgate "$@"
