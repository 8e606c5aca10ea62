# Shared by scripts/serve and scripts/test: a project venv with the core and every
# bundled plugin installed (editable), re-installed only when a pyproject changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
EXTRAS="${1:-}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating virtual environment in .venv"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
STAMP="$VENV/.portalis-installed${EXTRAS:+-$EXTRAS}"
HASH="$(cat "$ROOT/pyproject.toml" "$ROOT"/plugins/*/pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  echo "==> installing Portalis and its bundled plugins"
  ARGS=(-e "$ROOT${EXTRAS:+[$EXTRAS]}")
  for p in "$ROOT"/plugins/*/; do
    [ -f "$p/pyproject.toml" ] && ARGS+=(-e "$p")
  done
  "$VENV/bin/python" -m pip install -q "${ARGS[@]}"
  echo "$HASH" > "$STAMP"
fi
