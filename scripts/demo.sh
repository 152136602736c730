#!/usr/bin/env bash
# The main job end to end on the embedded defaults: SQLite, the local sandbox
# (emulators of the platforms and of the AI API on 127.0.0.1), an encrypted-file
# keyring — all inside a throwaway CLIENTNEST_HOME. Nothing reaches the internet.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLIENTNEST_HOME="$PWD/.demo-home"
export CLIENTNEST_SECRETS_PASSPHRASE=demo-only-passphrase
export CLIENTNEST_DAEMON__METRICS_INTERVAL_MINUTES=0.1  # every 6 s, to see it in the demo
PORT=${CLIENTNEST_DEMO_PORT:-18765}
BASE="http://127.0.0.1:$PORT"
rm -rf "$CLIENTNEST_HOME"; mkdir -p "$CLIENTNEST_HOME"
CN=.venv/bin/clientnest
cn() { echo; echo "\$ clientnest $*"; "$CN" "$@"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "== 1. A store, a team, clients"
cn init --email owner@acme.example --name "Olivia Owner" --timezone Europe/Berlin
cn users add editor@acme.example --name "Eddie Editor" --role editor --tier starter
cn users set-tier owner@acme.example business
cn clients add "Acme Coffee" --notes "roastery, two locations"
cn users list
cn clients list

echo; echo "== 2. The sandbox: every platform's API on $BASE"
"$CN" sandbox serve --port "$PORT" > "$CLIENTNEST_HOME/sandbox.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "Press Ctrl-C" "$CLIENTNEST_HOME/sandbox.out" 2>/dev/null && break; sleep 0.1; done
cat "$CLIENTNEST_HOME/sandbox.out"

echo; echo "== 3. Connect accounts (the 'browser' is curl following the consent redirect)"
export BROWSER="curl -sfLo /dev/null %s"
cn accounts connect x --server "$BASE/x" --client "Acme Coffee"
echo; echo "\$ $(grep -o "echo '.*' | clientnest accounts connect bluesky.*" "$CLIENTNEST_HOME/sandbox.out")"
eval "$(grep -o "echo '.*' | clientnest accounts connect bluesky.*" "$CLIENTNEST_HOME/sandbox.out" | sed "s#clientnest #$CN #")"
cn accounts connect linkedin --server "$BASE/linkedin"
cn accounts connect feed --path "$CLIENTNEST_HOME/feed.xml"
cn accounts list
cn platforms list

echo; echo "== 4. Compose, validate and schedule a cross-post with an image and alt text"
.venv/bin/python -c "
import struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
raw = b''.join(b'\x00' + bytes([200, 120, 60] * 16) for _ in range(16))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 16, 16, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open('$CLIENTNEST_HOME/latte.png', 'wb').write(png)"
X=$("$CN" accounts list --json | .venv/bin/python -c "import json,sys; print([a['ref'] for a in json.load(sys.stdin) if a['platform']=='x'][0])")
cn post create "Our autumn latte is back ☕ — spiced, smooth, and only at Acme. https://acme.example/latte" \
   --to "$X" --to bluesky:demo.bsky.sandbox --to feed:feed.xml \
   --media "$CLIENTNEST_HOME/latte.png" --alt "A latte with leaf art on a wooden table" \
   --hashtag coffee --at "in 8 seconds"
echo; echo "(a post that is too long for X is refused, listing every violation:)"
cn post create "$(printf 'Long story. %.0s' $(seq 30))" --to "$X" --to bluesky:demo.bsky.sandbox || true
cn post list
cn calendar --week

echo; echo "== 5. AI writes a draft (the sandbox's AI emulator, a test double)"
export CLIENTNEST_AI__BASE_URL="$BASE/ai/v1" CLIENTNEST_AI_API_KEY=sk-sandbox
cn ai generate --topic "cold brew season" --platform x --tone friendly --save-draft --to "$X"
cn ai usage

echo; echo "== 6. The daemon publishes on time and syncs metrics"
"$CN" daemon run > "$CLIENTNEST_HOME/daemon.out" 2>&1 &
pids+=($!)
sleep 16
cn daemon status
cn post list
echo; echo "(the daemon synced metrics of what it published:)"
cn metrics show "$(.venv/bin/clientnest post list --status published --json | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
echo; echo "\$ head -c 600 feed.xml"; head -c 600 "$CLIENTNEST_HOME/feed.xml"; echo
cn audit list --limit 12

echo; echo "== 7. Analytics: fetch the Bluesky account's earlier posts, then learn from them"
cn accounts backfill bluesky:demo.bsky.sandbox --since 180d
cn analytics overview --period 30d
cn analytics best-times bluesky:demo.bsky.sandbox
cn analytics health
cn analytics model train --account bluesky:demo.bsky.sandbox
cn analytics predict --text "Our autumn roast is here" --to bluesky:demo.bsky.sandbox \
  --media video --at "tomorrow 9am"
cn analytics recommend bluesky:demo.bsky.sandbox

echo; echo "== 8. The client report: the month's page for Acme Coffee, one self-contained file"
cn accounts set-client bluesky:demo.bsky.sandbox "Acme Coffee"
cn report client "Acme Coffee" --from "$(date -u -d '30 days ago' +%F)" --to "$(date -u +%F)" \
  --output "$CLIENTNEST_HOME/acme-coffee-report.html"

echo; echo "Demo finished. Everything lives in $CLIENTNEST_HOME (delete it when done)."
echo "Now look at it on screens:"
echo "  CLIENTNEST_HOME=$CLIENTNEST_HOME CLIENTNEST_SECRETS_PASSPHRASE=$CLIENTNEST_SECRETS_PASSPHRASE $CN tui"
