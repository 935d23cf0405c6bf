#!/usr/bin/env bash
# Runs the README's API examples against a fresh demo server, so the README cannot drift from the code.
# Usage: scripts/check-readme-examples.sh   (builds billfold if needed; needs curl and python3)
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product billfold >/dev/null
binary="$(swift build --show-bin-path)/billfold"
workdir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$binary" serve --demo --database "$workdir/demo.sqlite" --port "$port" --log-level warning >"$workdir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$workdir"' EXIT

# Up to two minutes for the demo to be seeded and served: a safety net for a server that never comes up, generous
# because the machine may be busy.
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { echo "the demo server exited:"; cat "$workdir/server.log"; exit 1; }
    sleep 0.2
done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "$workdir/server.log"; exit 1; }

# The shell block between the api-examples markers, pointed at this server.
sed -n '/<!-- api-examples:begin -->/,/<!-- api-examples:end -->/p' README.md \
    | sed -e '1,2d' -e '$d' | sed '$d' \
    | sed "s|BILLFOLD_URL=http://127.0.0.1:8080|BILLFOLD_URL=http://127.0.0.1:$port|" >"$workdir/examples.sh"
grep -q "BILLFOLD_URL=http://127.0.0.1:$port" "$workdir/examples.sh" || { echo "README examples not found"; exit 1; }

# On a failure, say which example failed and with what.
output=$(bash -c 'set -eEuo pipefail; trap "echo \"README example failed: \$BASH_COMMAND\" >&2" ERR; source "$1"' \
    examples "$workdir/examples.sh")
grep -q '"code":"invalid_gstin"' <<<"$output" || { echo "the GSTIN example did not answer invalid_gstin"; exit 1; }
grep -q '"amount_in_words":"Rupees' <<<"$output" || { echo "the invoice example did not answer in full"; exit 1; }
echo "README examples: all $(grep -c 'curl ' "$workdir/examples.sh") curl commands answered as documented."
