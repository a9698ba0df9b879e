#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of `tsq publish --to postgresql://…`.
#
#   scripts/postgres-test-server.sh start DIR   # prints the server's URL (last line)
#   scripts/postgres-test-server.sh url DIR     # the URL of the server running in DIR
#   scripts/postgres-test-server.sh stop DIR    # stops it (DIR itself is left to the caller)
#   scripts/postgres-test-server.sh install     # only the binaries (make test, before pytest's
#                                               # workers could run apt-get side by side)
#
# start is idempotent: a server already running in DIR is reused. The cluster lives in
# DIR/data, listens on 127.0.0.1 only, on a free port chosen at its first start (kept in
# DIR/port), with no Unix socket, and trusts every connection from 127.0.0.1 (superuser
# `postgres`, database `postgres`): it is for tests on this machine, never for data.
#
# initdb and postgres refuse to run as root: as root the server runs as the unprivileged
# user `postgres` (Debian's packages create it; created here when missing), which must
# own DIR, so DIR must not sit inside a folder only root can enter. When the PostgreSQL
# binaries are missing, Debian's postgresql-15 is installed with apt-get (CI runs as root).
set -euo pipefail

PG_VERSION=15
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_VERSION}/bin}"
SERVER_USER=postgres

usage() {
    echo "usage: $0 start|stop|url DIR, or $0 install" >&2
    exit 2
}

if [ $# -eq 1 ] && [ "$1" = install ]; then
    action=install
    dir=/nonexistent
else
    [ $# -eq 2 ] || usage
    action=$1
    dir=$(realpath -m -- "$2")
fi
data="$dir/data"

as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$SERVER_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_binaries() {
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "$PG_BIN/initdb not found; install Debian's postgresql-${PG_VERSION} (as root)" >&2
        exit 1
    fi
    echo "installing postgresql-${PG_VERSION} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # the package's own cluster is not wanted: only the binaries are used here
    mkdir -p /etc/postgresql-common
    if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "postgresql-${PG_VERSION}" >&2
    [ -x "$PG_BIN/initdb" ] || { echo "postgresql-${PG_VERSION} installed no $PG_BIN/initdb" >&2; exit 1; }
}

ensure_server_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    if ! id -u "$SERVER_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVER_USER"
    fi
}

free_port() {
    python3 - <<'PY'
import socket

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

is_running() {
    [ -f "$data/postmaster.pid" ] && as_server_user "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url() {
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

start() {
    ensure_binaries
    ensure_server_user
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$SERVER_USER": "$dir"
    fi
    chmod 0700 "$dir"
    if is_running; then
        url
        return 0
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        as_server_user "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
        # trust on 127.0.0.1 only: no socket line, no other address
        echo "host all all 127.0.0.1/32 trust" | as_server_user tee "$data/pg_hba.conf" >/dev/null
    fi
    # a port is chosen once per cluster; if another process took it since, choose again
    for _attempt in 1 2 3; do
        [ -s "$dir/port" ] || free_port | as_server_user tee "$dir/port" >/dev/null
        if as_server_user "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$(cat "$dir/port") -c unix_socket_directories=''" \
            start >/dev/null; then
            url
            return 0
        fi
        rm -f "$dir/port"
    done
    cat "$dir/server.log" >&2
    exit 1
}

stop() {
    if is_running; then
        as_server_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
}

case "$action" in
    install) ensure_binaries; ensure_server_user ;;
    start) start ;;
    stop) stop ;;
    url) is_running && url || { echo "no server running in $dir" >&2; exit 1; } ;;
    *) usage ;;
esac
