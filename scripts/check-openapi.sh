#!/usr/bin/env bash
# Checks the server against its OpenAPI document with schemathesis.
#
# Starts `billfold serve --demo` on a throwaway SQLite file and a free port, then lets schemathesis call every
# operation in Sources/BillfoldServer/Resources/openapi.json. It fails on any 5xx, any response that breaks its
# schema, and any status code, content type or header the document does not describe.
#
#   scripts/check-openapi.sh [more schemathesis options]     e.g. --exclude-path /openapi.json
#
# Three passes: every operation with the demo operator key (the session routes with member sessions of their own);
# the routes a workspace's owners and admins reach, with an owner's session; and a few of them with the session of
# a member whose role may not see billing.
#
# BILLFOLD_BIN names the binary (default: the one `swift build` made). SCHEMATHESIS_MAX_EXAMPLES (default 150) and
# SCHEMATHESIS_SEED change how much and what is generated. The check takes about 2 minutes on 2 idle cores; it gives
# up after SCHEMATHESIS_TIME_LIMIT seconds (default 1800), a safety net against a hang, not a measure of speed: CI
# machines are shared and busy, and a slow run must not fail. One worker: with two, a run was seen to end in an
# internal hypothesis error (a FlakyFailure while generating). It needs no network, except PyPI to install
# schemathesis when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

schemathesis_version=4.32.5
hypothesis_version=6.155.2
spec=$PWD/Sources/BillfoldServer/Resources/openapi.json
operator_key=bf_demo_local_only_key
demo_password=billfold-demo
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-150}
seed=${SCHEMATHESIS_SEED:-20261121}
time_limit=${SCHEMATHESIS_TIME_LIMIT:-1800}
started=$SECONDS

installed=$(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)
if ! python3 -c 'import schemathesis' 2>/dev/null || [[ "$installed" != "$schemathesis_version" ]]; then
    echo "== installing schemathesis $schemathesis_version (found: ${installed:-none})"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version" \
        "hypothesis==$hypothesis_version"
fi

bin=${BILLFOLD_BIN:-"$(swift build --show-bin-path)/billfold"}
if [[ ! -x "$bin" ]]; then
    echo "check-openapi: no billfold binary at $bin; run swift build first or set BILLFOLD_BIN" >&2
    exit 1
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/billfold-openapi.XXXXXX")
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

# The server's own billing runs are off, so that what the check sees comes from its requests alone.
"$bin" serve --demo --database "$workdir/demo.sqlite" --host 127.0.0.1 --port 0 --billing-interval 0 \
    --log-level warning >"$workdir/server.out" 2>"$workdir/server.err" &
server_pid=$!

# The waits below are safety nets for a server that never comes up, generous because the machine may be busy.
url=
for _ in $(seq 1200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "check-openapi: the server exited before it was serving:" >&2
        cat "$workdir/server.out" "$workdir/server.err" >&2
        exit 1
    fi
    url=$(sed -n '1s/^Billfold is serving \(http:\/\/[^ ]*\).*/\1/p' "$workdir/server.out")
    [[ -n "$url" ]] && break
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "check-openapi: the server printed no URL within 120 s" >&2
    exit 1
fi
for _ in $(seq 600); do
    curl -sf "$url/health" >/dev/null && break
    sleep 0.1
done
if ! curl -sf "$url/health" >/dev/null; then
    echo "check-openapi: $url/health does not answer 200" >&2
    exit 1
fi

# Member sessions of the demo's Chai Labs: an owner's for reading, one for signing out, and a plain member's.
sign_in() {
    curl -sf "$url/api/v1/sessions" -H 'Content-Type: application/json' \
        -d "{\"email\": \"$1\", \"password\": \"$demo_password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
if ! owner_token=$(sign_in owner@chailabs.example) || ! sign_out_token=$(sign_in owner@chailabs.example) ||
    ! member_token=$(sign_in member@chailabs.example); then
    echo "check-openapi: the demo members could not sign in with POST /api/v1/sessions" >&2
    exit 1
fi

# Per-operation credentials: the session routes get member sessions instead of the operator key.
cat >"$workdir/schemathesis.toml" <<EOF
[[operations]]
include-operation-id = "getCurrentSession"
headers = { Authorization = "Bearer $owner_token" }

[[operations]]
include-operation-id = "deleteCurrentSession"
headers = { Authorization = "Bearer $sign_out_token" }
EOF

# A generated Idempotency-Key (often `0`) gets a hash of its request appended, so that a key comes back only with
# the same request, which then gets its stored answer, rather than 422 idempotency_key_reused for every other one.
cat >"$workdir/billfold_check_hooks.py" <<'EOF'
import hashlib
import json

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    key = (case.headers or {}).get("Idempotency-Key")
    if not isinstance(key, str) or not 1 <= len(key) <= 255 or not all(0x21 <= ord(c) <= 0x7E for c in key):
        return
    request = json.dumps(
        [case.method, case.path, case.path_parameters, case.query, case.body], sort_keys=True, default=repr
    )
    case.headers["Idempotency-Key"] = key[:200] + "." + hashlib.sha256(request.encode()).hexdigest()[:16]
EOF

member_operations=()
for id in getWorkspace getDashboard getUpcomingInvoice getWallet listInvoices getInvoiceSummary exportInvoices \
    getInvoice getInvoicePDF downloadInvoices getStatementPDF printInvoice getCurrentSession createInvoicePayment \
    refreshInvoice payInvoiceNow; do
    member_operations+=(--include-operation-id "$id")
done

# The checks: no 5xx; every status code, content type, header and body as the document describes. Credentials come
# from the header alone (none are generated), and a 303 is checked as it is, not followed.
run_schemathesis() {
    local name=$1 token=$2
    shift 2
    local remaining=$((time_limit - (SECONDS - started)))
    if ((remaining < 10)); then
        echo "check-openapi: no time left for the $name pass" >&2
        return 124
    fi
    echo "== schemathesis $schemathesis_version, $name pass, against $url"
    # From the temporary folder, where schemathesis keeps its .schemathesis cache of crashes.
    cd "$workdir"
    PYTHONPATH="$workdir${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=billfold_check_hooks \
        timeout --signal=INT --kill-after=30 "$remaining" python3 -c \
        'import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis(prog_name="schemathesis"))' \
        --config-file "$workdir/schemathesis.toml" run "$spec" --url "$url" \
        --header "Authorization: Bearer $token" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
        --seed "$seed" --workers 1 \
        --generation-with-security-parameters false --generation-database none \
        --max-redirects 0 --request-timeout 60 --no-color \
        --report junit --report-junit-path "$workdir/junit-$name.xml" \
        "$@"
}

status=0
(run_schemathesis operator "$operator_key" --max-examples "$max_examples" "$@") || status=$?
if [[ $status -eq 0 ]]; then
    (run_schemathesis owner "$owner_token" --max-examples "$max_examples" --phases examples,coverage,fuzzing \
        "${member_operations[@]}" "$@") || status=$?
fi
if [[ $status -eq 0 ]]; then
    (run_schemathesis member "$member_token" --max-examples 5 --phases examples,coverage,fuzzing \
        "${member_operations[@]}" "$@") || status=$?
fi

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

summary=$(python3 - "$spec" "$workdir"/junit-*.xml <<'PY'
import json
import sys
import xml.etree.ElementTree as ET

with open(sys.argv[1]) as handle:
    paths = json.load(handle)["paths"]
operations = sum(1 for item in paths.values() for method in item if method != "parameters")
tested, failed = 0, []
for report in sys.argv[2:]:
    try:
        root = ET.parse(report).getroot()
    except (OSError, ET.ParseError):
        continue
    for case in root.iter("testcase"):
        tested += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(case.get("name", "?"))
if failed:
    print(f"{operations} operations, {len(failed)} failed: " + "; ".join(sorted(set(failed))))
else:
    print(f"{operations} operations ({tested} operation runs in all passes), no failures")
PY
)
if [[ $status -eq 124 ]]; then
    echo "schemathesis: stopped after $time_limit s; $summary"
    exit 1
elif [[ $status -ne 0 ]]; then
    echo "schemathesis: FAILED (exit status $status); $summary"
    exit "$status"
fi
echo "schemathesis: $summary in $((SECONDS - started)) s"
