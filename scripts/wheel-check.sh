#!/usr/bin/env bash
# The artifact as users get it (issue 13): build the wheel, install it (not editable) into a fresh
# virtual environment outside the source tree, and run it from an empty directory against the local
# PostgreSQL and Redis: db migrate, feeds import, extract --json on a page shipped in the wheel, and
# the demo. Throwaway databases, dropped at the end. Every test in `make test` runs from an editable
# install, which reads the source tree and cannot notice a file the wheel leaves out.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/silkwire-wheel.XXXXXX)
DB=silkwire_wheel_$$
V=$WORK/venv/bin
export SILKWIRE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$DB
export SILKWIRE_KEY_PREFIX=silkwire-wheel-$$:
unset SILKWIRE_SEEDS_DIR CELERY_BROKER_URL CELERY_RESULT_BACKEND

say() { printf 'wheel-check: %s\n' "$*" >&2; }
drop_databases() {
  [ -x "$V/python" ] || return 0
  "$V/python" - "$DB" <<'PY' || true
import sys, psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
    for name in (sys.argv[1], sys.argv[1] + "_demo"):
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
PY
}
cleanup() { drop_databases; rm -rf "$WORK"; }
# pip's output goes to a log, shown when it fails (this machine's pip config adds noisy warnings).
quiet() { "$@" > "$WORK/pip.log" 2>&1 || { tail -40 "$WORK/pip.log" >&2; return 1; }; }
trap cleanup EXIT

say "building the wheel"
# From a copy of what the wheel is built from, so the build leaves nothing in the work tree.
mkdir -p "$WORK/src"
cp -r "$ROOT/pyproject.toml" "$ROOT/setup.py" "$ROOT/README.md" "$ROOT/workers" "$ROOT/schedules" "$ROOT/seeds" "$WORK/src/"
find "$WORK/src" -name __pycache__ -prune -exec rm -rf {} +
"$PYTHON" -m venv "$WORK/venv"
quiet timeout 600 "$V/pip" install -q --upgrade pip
quiet timeout 600 "$V/pip" wheel -q --no-deps --wheel-dir "$WORK/dist" "$WORK/src"
WHEEL=$(ls "$WORK"/dist/silkwire-*.whl)
say "installing $(basename "$WHEEL") into a fresh venv"
quiet timeout 900 "$V/pip" install -q "$WHEEL"
rm -rf "$WORK/src"

mkdir -p "$WORK/run" && cd "$WORK/run"
# The installed package, not the checkout: nothing may resolve into $ROOT.
"$V/python" - "$ROOT" <<'PY'
import sys, pathlib, workers
from workers.settings import Settings
root = pathlib.Path(sys.argv[1]).resolve()
where = pathlib.Path(workers.__file__).resolve()
seeds = Settings().seeds_dir.resolve()
assert not where.is_relative_to(root), f"workers imported from the checkout: {where}"
assert seeds.is_relative_to(where.parent), f"seeds not from the wheel: {seeds}"
print(f"wheel-check: workers from {where.parent}, seeds {seeds}", file=sys.stderr)
PY

say "silkwire db migrate"
timeout 120 "$V/silkwire" db migrate
timeout 120 "$V/silkwire" db migrate 2>&1 | grep -q "schema is up to date"

say "silkwire feeds import"
timeout 120 "$V/silkwire" feeds import
count=$(timeout 60 "$V/silkwire" feeds list -o json | grep -c '"url"')
expected=$("$V/python" -c "
import tomllib; from workers.settings import Settings
print(len(tomllib.loads((Settings().seeds_dir / 'feeds.toml').read_text())['feed']))")
[ "$count" = "$expected" ] || { say "feeds list has $count feeds, the registry $expected"; exit 1; }

say "silkwire extract --json on a page shipped in the wheel"
page=$("$V/python" -c "
import tomllib; from workers.settings import Settings
root = Settings().seeds_dir / 'replay'
pages = tomllib.loads((root / 'manifest.toml').read_text())['page']
p = next(p for p in pages if p.get('relevant') and p['path'].endswith(('.html', '.htm')))
print(root / 'sites' / p['path'].lstrip('/'))")
timeout 300 "$V/silkwire" extract --json "$page" > extract.jsonl
"$V/python" - <<'PY'
import json
(doc,) = [json.loads(line) for line in open("extract.jsonl", encoding="utf-8")]
assert doc["kz_cn"]["relevant"] is True, doc
assert doc["events"] and doc["organizations"], doc
print(f"wheel-check: extract: relevant, {len(doc['events'])} events, "
      f"{len(doc['organizations'])} organisations, sectors {doc['sectors']}", flush=True)
PY

say "silkwire demo"
timeout 600 "$V/silkwire" demo --database "${DB}_demo" --timeout 300 | tee demo.txt
grep -q "re-poll: requests / new articles" demo.txt
say "passed"
