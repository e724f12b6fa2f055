#!/usr/bin/env bash
# Build-time only: install the pinned charting library from the npm registry (scripts/web/
# package.json + package-lock.json) and copy its browser build into the Python package, so
# `pip install .` and the dashboard never need npm or a CDN. Commit the result.
#   bash scripts/build_web_assets.sh          # rebuild src/wattwise/web/static/chart.umd.min.js
#   bash scripts/build_web_assets.sh --check  # exit 1 if the committed copy differs from the lockfile's
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../src/wattwise/web/static"
cd "$here/web"
npm ci --no-audit --no-fund --loglevel=error
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# drop the source-map comment: the map is not shipped, and a browser would ask for it
sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.min.js > "$tmp/chart.umd.min.js"
{
  echo "The dashboard ships Chart.js $(node -p 'JSON.parse(require("fs").readFileSync("node_modules/chart.js/package.json")).version') (chart.umd.min.js), which bundles @kurkle/color $(node -p 'JSON.parse(require("fs").readFileSync("node_modules/@kurkle/color/package.json")).version')."
  echo "Both are MIT-licensed; their license texts follow."
  echo
  echo "== chart.js =="
  cat node_modules/chart.js/LICENSE.md
  echo
  echo "== @kurkle/color =="
  cat node_modules/@kurkle/color/LICENSE.md
} > "$tmp/chart.LICENSE.txt"
if [[ "${1:-}" == "--check" ]]; then
  cmp -s "$tmp/chart.umd.min.js" "$out/chart.umd.min.js" && cmp -s "$tmp/chart.LICENSE.txt" "$out/chart.LICENSE.txt" \
    || { echo "src/wattwise/web/static is out of date; run: bash scripts/build_web_assets.sh" >&2; exit 1; }
  echo "web assets up to date"
else
  cp "$tmp/chart.umd.min.js" "$tmp/chart.LICENSE.txt" "$out/"
  echo "wrote $out/chart.umd.min.js and chart.LICENSE.txt"
fi
