#!/usr/bin/env bash
# The main job end to end on the embedded defaults: SQLite, the local sandbox,
# an encrypted-file keyring, all inside a throwaway CLIENTNEST_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLIENTNEST_HOME="$PWD/.demo-home"
export CLIENTNEST_SECRETS_PASSPHRASE=demo-only-passphrase
rm -rf "$CLIENTNEST_HOME"
cn() { echo; echo "\$ clientnest $*"; .venv/bin/clientnest "$@"; }

cn init --email owner@acme.example --name "Olivia Owner" --timezone Europe/Berlin
cn users add editor@acme.example --name "Eddie Editor" --role editor --tier starter
cn users add viewer@acme.example --role viewer
cn clients add "Acme Coffee" --notes "roastery, two locations"
cn clients add "Beta Bikes"
cn users list
cn clients list
cn doctor
cn audit list
echo
echo "Demo finished. Everything lives in $CLIENTNEST_HOME (delete it when done)."
