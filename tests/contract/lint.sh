#!/usr/bin/env bash
# Lints resources/openapi.yaml with the Redocly CLI pinned in package-lock.json.
# Fails on any error *or* warning: `redocly lint` itself exits 0 when only warnings remain,
# so the JSON report's totals are checked as well.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd -- "$here/../.." && pwd)"
spec="$repo/resources/openapi.yaml"
config="$here/redocly.yaml"

cd "$here"
if [[ ! -x node_modules/.bin/redocly ]]; then
  # Install exactly what the lock file says; never let npx fetch an unpinned CLI.
  npm ci --no-audit --no-fund --loglevel=error
fi

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1

report="$(mktemp)"
trap 'rm -f -- "$report"' EXIT

# Human-readable pass (non-zero on errors; config mistakes count as errors too).
npx --no-install redocly lint --config "$config" --lint-config error --max-problems 1000 "$spec"

# Every YAML anchor defined once: YAML 1.2 lets a later `&name` replace an earlier one, but
# strict YAML 1.1 loaders (PyYAML's safe_load, which contract checkers written in Python use)
# refuse the whole file.
node - "$spec" <<'JS'
const fs = require('fs');
const text = fs.readFileSync(process.argv[2], 'utf8');
const seen = new Set();
const twice = new Set();
for (const m of text.matchAll(/(?<=[:-] )&([A-Za-z0-9_-]+)/g)) {
  if (seen.has(m[1])) twice.add(m[1]);
  seen.add(m[1]);
}
if (twice.size) { console.error(`lint.sh: anchors defined twice: ${[...twice].join(', ')}`); process.exit(1); }
JS

# Gate pass: zero errors, zero warnings, nothing silenced through an ignore file.
npx --no-install redocly lint --config "$config" --lint-config error --max-problems 1000 \
  --format json "$spec" >"$report" 2>/dev/null || true
node - "$report" <<'JS'
const fs = require('fs');
const raw = fs.readFileSync(process.argv[2], 'utf8');
const start = raw.indexOf('{');
if (start < 0) { console.error('lint.sh: no JSON report from redocly'); process.exit(1); }
const { totals } = JSON.parse(raw.slice(start));
const bad = totals.errors + totals.warnings + totals.ignored;
console.log(`lint.sh: ${totals.errors} error(s), ${totals.warnings} warning(s), ${totals.ignored} ignored`);
process.exit(bad === 0 ? 0 : 1);
JS
