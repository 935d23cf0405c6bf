#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the tests and prints the shell exports for it.
#
# Usage:
#   eval "$(scripts/start-test-postgres.sh)"   # start; sets BILLFOLD_TEST_POSTGRES_URL and BILLFOLD_TEST_POSTGRES_DIR
#   swift test                                 # the PostgreSQL variants of the tests now run too
#   scripts/start-test-postgres.sh stop        # stop the cluster named by $BILLFOLD_TEST_POSTGRES_DIR and delete it
#   scripts/start-test-postgres.sh stop DIR    # the same for an explicit directory
#
# Only the export lines go to stdout; progress and errors go to stderr. The URL has the form
# postgres://postgres@127.0.0.1:PORT/billfold_test (user postgres, trust authentication, no password),
# and the user may create databases. Each start makes a new cluster in a fresh temporary directory on a
# free port, so it never touches an existing server or the Debian default cluster; stop on a directory
# that is already gone does nothing.
#
# The PostgreSQL server binaries come from /usr/lib/postgresql/<version>/bin (the newest version), or
# else from PATH. When they are missing and we are root on Debian/Ubuntu, `apt-get install postgresql`
# installs them. Run as root, the cluster runs as the `postgres` user, since PostgreSQL refuses root.
set -euo pipefail

log() { echo "start-test-postgres: $*" >&2; }

find_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/pg_ctl" && -x "$dir/initdb" && -x "$dir/postgres" ]]; then
        echo "$dir"
    elif command -v pg_ctl >/dev/null && command -v initdb >/dev/null && command -v postgres >/dev/null; then
        dirname "$(command -v pg_ctl)"
    fi
}

# Runs a PostgreSQL program as the cluster's owner, from a directory that owner can read.
as_owner() {
    local dir=$1
    shift
    if [[ $EUID -eq 0 ]]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

stop_cluster() {
    local dir=${1:-${BILLFOLD_TEST_POSTGRES_DIR:-}}
    if [[ -z "$dir" ]]; then
        log "nothing to stop: pass the directory or set BILLFOLD_TEST_POSTGRES_DIR"
        return 0
    fi
    if [[ ! -d "$dir" ]]; then
        return 0
    fi
    local bindir
    bindir=$(find_bindir)
    if [[ -n "$bindir" && -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$dir" "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null ||
            log "pg_ctl stop failed; see $dir/postgres.log"
    fi
    rm -rf "$dir"
    log "stopped and removed $dir"
}

install_postgres() {
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
        log "PostgreSQL server binaries not found; install PostgreSQL (initdb, pg_ctl, postgres) and retry"
        exit 1
    fi
    log "PostgreSQL server binaries not found; installing them with apt-get"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
        2>/dev/null || echo 54329
}

start_cluster() {
    local bindir
    bindir=$(find_bindir)
    if [[ -z "$bindir" ]]; then
        install_postgres
        bindir=$(find_bindir)
        [[ -n "$bindir" ]] || { log "PostgreSQL was installed but its binaries were not found"; exit 1; }
    fi

    local port
    dir=$(mktemp -d "${TMPDIR:-/tmp}/billfold-pg.XXXXXX")
    # Whatever fails from here on, leave no cluster or directory behind ($dir is global for this trap).
    trap 'status=$?; if [[ $status -ne 0 ]]; then
        [[ -f "$dir/postgres.log" ]] && tail -n 20 "$dir/postgres.log" >&2
        stop_cluster "$dir"
    fi' EXIT
    if [[ $EUID -eq 0 ]]; then
        chown postgres: "$dir"
    fi
    port=$(free_port)

    as_owner "$dir" "$bindir/initdb" -D "$dir/data" --auth=trust --username=postgres -E UTF8 --locale=C >/dev/null
    as_owner "$dir" tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Every test server holds a pool of up to 16 connections, and the suites run side by side.
max_connections = 1000
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_owner "$dir" "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" -w -t 60 >/dev/null
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres billfold_test

    local url="postgres://postgres@127.0.0.1:$port/billfold_test"
    local version
    version=$("$bindir/psql" "$url" -XAtc 'show server_version')
    log "PostgreSQL $version is up at $url (cluster in $dir)"
    log "stop it with: scripts/start-test-postgres.sh stop $dir"
    echo "export BILLFOLD_TEST_POSTGRES_URL=$url"
    echo "export BILLFOLD_TEST_POSTGRES_DIR=$dir"
}

case "${1:-start}" in
start) start_cluster ;;
stop) stop_cluster "${2:-}" ;;
*)
    echo "usage: $0 [start | stop [DIR]]" >&2
    exit 2
    ;;
esac
