#!/usr/bin/env bash
# Serves the tiny fixture model on a free loopback port and checks, with the Node.js client, that
# streamed greedy generations match the reference ids of its expected.json. Exits non-zero on a miss.
# Needs `npm ci --prefix examples/node` first. Run from anywhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fixture="$root/testdata/tiny-gpt-neo"
port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
log=$(mktemp)

"$root/gptneo" serve --model "$fixture" --backend scalar --host 127.0.0.1 --port "$port" --metrics-port -1 >"$log" 2>&1 &
server=$!
stop_server() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap stop_server EXIT

# The client waits until the server answers: it may first build the jar and load the model.
if ! node "$here/check-fixture.js" "127.0.0.1:$port" "$fixture/expected.json"; then
  echo "server log:" >&2
  cat "$log" >&2
  exit 1
fi
