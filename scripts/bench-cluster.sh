#!/usr/bin/env bash
# Billfold scaled out on PostgreSQL, measured: a throwaway PostgreSQL, then 1, 2 and 3 `billfold serve` processes
# on it behind nginx on loopback. For each count, usage ingested and invoices listed per second through nginx, and a
# billing run of 100,000 workspaces started on every process at once, checked to bill each subscription exactly once.
#
#   scripts/bench-cluster.sh                      # release build, the full sizes (about 15 minutes)
#   scripts/bench-cluster.sh --processes 1,2 --workspaces 20000
#
# Options go to `billfold-bench cluster` (see its --help). BILLFOLD_BENCH names a billfold-bench already built
# (with billfold beside it) instead of building the release one; CI uses it for a small smoke run on its debug build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

nginx=/usr/sbin/nginx
if [[ ! -x $nginx ]]; then
    if [[ $EUID -ne 0 ]]; then
        echo "bench-cluster: nginx is not installed; as root: apt-get install -y nginx-light" >&2
        exit 1
    fi
    echo "bench-cluster: installing nginx (Debian's nginx-light)" >&2
    # The package would start nginx as a service on port 80 of every address; the benchmark starts its own on
    # loopback, so the service is kept from starting while the package installs.
    policy=/usr/sbin/policy-rc.d
    added_policy=false
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        added_policy=true
        # Removed however the install ends: left behind, it would keep every later package's service from starting.
        trap 'rm -f "$policy"' EXIT
    fi
    status=0
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || status=$?
    if $added_policy; then
        rm -f "$policy"
        trap - EXIT
    fi
    ((status == 0)) || exit "$status"
fi

bench=${BILLFOLD_BENCH:-}
if [[ -z $bench ]]; then
    echo "bench-cluster: building the release build" >&2
    swift build -c release >&2
    bench="$(swift build -c release --show-bin-path)/billfold-bench"
fi

# fsync and synchronous commits are off in this throwaway cluster (see start-test-postgres.sh): the figures are
# Billfold's and PostgreSQL's work, not the disk's.
postgres_exports=$(scripts/start-test-postgres.sh)
eval "$postgres_exports"
trap 'scripts/start-test-postgres.sh stop "$BILLFOLD_TEST_POSTGRES_DIR"' EXIT
"$bench" cluster --postgres "$BILLFOLD_TEST_POSTGRES_URL" --nginx "$nginx" "$@"
