# Sourced by bin/run and bin/test: make .venv with the given requirements file, quietly, once
# per change of that file.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
requirements="$1"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(basename "$requirements")"
if [ ! -f "$stamp" ] || [ "$requirements" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  echo "==> installing $requirements"
  # (this machine's pip config names local mirrors that may be absent: hide that noise)
  .venv/bin/python -m pip install --quiet --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
  .venv/bin/python -m pip install --quiet -r "$requirements" 2> >(grep -v "^WARNING: Location" >&2)
  touch "$stamp"
fi
# shellcheck disable=SC1091
. .venv/bin/activate
