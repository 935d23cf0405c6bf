#!/usr/bin/env bash
# Drives the billing portal in a real browser: selenium with Debian's headless Chromium and chromedriver.
#
# Starts `billfold serve --demo` on a throwaway SQLite file and a free loopback port, waits for /health, then runs
# Tests/Browser/test_portal.py against it: sign-in, the history's tabs, date range and search (compared with the
# JSON API), an invoice's page and PDF, a ZIP of selected PDFs, the CSV export, a statement for a chosen range,
# Pay Now through the sandbox checkout, a member without billing access, another workspace's invoice, sign-out, and
# last the grace banner: the server runs on a test clock (--test-clock), which that test moves past an invoice's due
# date. The server's mail goes to the throwaway folder.
#
#   scripts/check-portal.sh
#
# Screenshots of the dashboard, the history and an invoice's page at phone (390x844) and desktop (1366x900) widths
# go to .build/screenshots/ (dashboard-phone.png, history-desktop.png, ...); look at them after a change to the
# pages. Installs what is missing: Debian's chromium, chromium-driver, qpdf and poppler-utils (apt-get, as root) and
# a pinned selenium (PyPI). It needs no other network. BILLFOLD_BIN names the binary (default: the one `swift build` makes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

selenium_version=4.51.0

missing=()
for package in chromium chromium-driver qpdf poppler-utils; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

installed=$(python3 -c 'import importlib.metadata as m; print(m.version("selenium"))' 2>/dev/null || true)
if [[ "$installed" != "$selenium_version" ]]; then
    echo "== installing selenium $selenium_version (found: ${installed:-none})"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "selenium==$selenium_version"
fi

if [[ -z "${BILLFOLD_BIN:-}" ]]; then
    swift build --product billfold >/dev/null
fi
bin=${BILLFOLD_BIN:-"$(swift build --show-bin-path)/billfold"}
if [[ ! -x "$bin" ]]; then
    echo "check-portal: no billfold binary at $bin" >&2
    exit 1
fi

screenshots=$PWD/.build/screenshots
mkdir -p "$screenshots"
workdir=$(mktemp -d "${TMPDIR:-/tmp}/billfold-portal.XXXXXX")
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
BILLFOLD_MAIL_DIRECTORY=$workdir/mail "$bin" serve --demo --test-clock --database "$workdir/demo.sqlite" \
    --host 127.0.0.1 --port "$port" --log-level warning >"$workdir/server.out" 2>"$workdir/server.err" &
server_pid=$!

# A safety net for a server that never comes up, generous because the machine may be busy.
for _ in $(seq 1200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "check-portal: the server exited before it was serving:" >&2
        cat "$workdir/server.out" "$workdir/server.err" >&2
        exit 1
    fi
    curl -sf "$url/health" >/dev/null 2>&1 && break
    sleep 0.1
done
if ! curl -sf "$url/health" >/dev/null; then
    echo "check-portal: $url/health does not answer 200 within 120 s" >&2
    cat "$workdir/server.out" "$workdir/server.err" >&2
    exit 1
fi

echo "== portal tests (selenium $selenium_version, $(chromium --version 2>/dev/null || echo chromium)) against $url"
status=0
BILLFOLD_URL=$url PORTAL_SCREENSHOTS=$screenshots PORTAL_DOWNLOADS=$workdir/downloads \
    timeout --kill-after=30 900 python3 Tests/Browser/test_portal.py || status=$?

if grep -q 'unhandled error' "$workdir/server.err"; then
    echo "== the server logged unhandled errors:"
    grep 'unhandled error' "$workdir/server.err" | sed 's/.*unhandled error: //' | sort | uniq -c | sort -rn | head -20
    [[ $status -ne 0 ]] || status=1
fi
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "== the server died:"
    tail -40 "$workdir/server.err"
    [[ $status -ne 0 ]] || status=1
fi
if [[ $status -ne 0 ]]; then
    echo "check-portal: FAILED (exit status $status); screenshots in $screenshots"
    exit "$status"
fi
echo "check-portal: passed; screenshots in $screenshots"
