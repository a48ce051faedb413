#!/usr/bin/env bash
# Renders an ALLO report.html in headless Chromium, offline, and checks what the browser built: every chart and
# heat map of the file is in the rendered DOM, charts have their training line, the page logged no JavaScript or
# console error and fetched nothing. Writes a screenshot beside the rendered DOM for a look by eye.
#
#   scripts/check-report.sh runs/my-run/report.html [output-dir]
#
# Needs chromium (Debian/Ubuntu: apt-get install -y chromium); a developer check, not part of the Maven build.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <report.html> [output-dir]" >&2
  exit 2
fi
report=$(realpath "$1")
[[ -f "$report" ]] || { echo "no such file: $1" >&2; exit 2; }
out=${2:-$(mktemp -d)}
mkdir -p "$out"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[[ -n "$browser" ]] || { echo "chromium is not installed (apt-get install -y chromium)" >&2; exit 2; }

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --disable-extensions --enable-logging=stderr --v=0
  --host-resolver-rules="MAP * ~NOTFOUND")

profile=$(mktemp -d)
"$browser" "${flags[@]}" --user-data-dir="$profile" --dump-dom "file://$report" >"$out/dom.html" 2>"$out/dom.log"
rm -rf "$profile"
profile=$(mktemp -d)
"$browser" "${flags[@]}" --user-data-dir="$profile" --hide-scrollbars --window-size=1280,3000 \
  --screenshot="$out/report.png" "file://$report" >/dev/null 2>"$out/screenshot.log"
rm -rf "$profile"

count() { { grep -o "$1" "$2" || true; } | wc -l; }
fail=0
check() { # name, condition result
  if [[ "$2" == ok ]]; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi
}
charts_file=$(count '<svg class="chart"' "$report")
charts_dom=$(count '<svg class="chart"' "$out/dom.html")
lines_dom=$(count '<polyline class="train"' "$out/dom.html")
heat_file=$(count '<svg class="heatmap"' "$report")
heat_dom=$(count '<svg class="heatmap"' "$out/dom.html")
cells_dom=$(count '<rect class="cell"' "$out/dom.html")
dots_dom=$(count '<circle class="eval"' "$out/dom.html")
tables_dom=$(count '<table class="final"' "$out/dom.html")
external=$(grep -Eio "(src|href)=[\"']?(https?:)?//[^\"' >]*|url\([\"']?(https?:)?//[^)]*|<link[^>]*>|<script[^>]*src=[^>]*>" "$report" || true)
errors=$(grep -Ei 'CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|net::ERR' "$out/dom.log" "$out/screenshot.log" || true)

echo "rendered $report with $("$browser" --version 2>/dev/null | head -1)"
echo "charts: $charts_dom (file: $charts_file), training lines: $lines_dom, evaluation dots: $dots_dom," \
  "heat maps: $heat_dom (file: $heat_file), heat-map cells: $cells_dom, final tables: $tables_dom"
check "the DOM was dumped" "$([[ -s "$out/dom.html" ]] && grep -q '</html>' "$out/dom.html" && echo ok)"
check "at least one chart" "$([[ $charts_dom -ge 1 ]] && echo ok)"
check "every chart of the file is rendered" "$([[ $charts_dom -eq $charts_file ]] && echo ok)"
check "every chart has a training line" "$([[ $lines_dom -eq $charts_dom ]] && echo ok)"
check "every heat map of the file is rendered" "$([[ $heat_dom -eq $heat_file ]] && echo ok)"
check "the final table is there" "$([[ $tables_dom -eq 1 ]] && echo ok)"
check "no console or JavaScript error, no network request" "$([[ -z "$errors" ]] && echo ok)"
check "no external resource referenced by the file" "$([[ -z "$external" ]] && echo ok)"
check "screenshot written ($out/report.png)" "$([[ -s "$out/report.png" ]] && echo ok)"
if [[ -n "$errors$external" ]]; then
  printf '%s\n' "$errors" "$external" | sed '/^$/d'
fi
[[ $fail -eq 0 ]] && echo "report OK" || { echo "report check FAILED (browser logs in $out)"; exit 1; }
