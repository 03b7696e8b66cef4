"""The fuzz tests' figures, for bench/fuzz.py: FUZZ_REPORT names a JSON file that each test
adds its section to (nothing is written without it)."""

import json
import os
from pathlib import Path
from typing import Any


def report_figures(section: str, figures: dict[str, Any]) -> None:
    target = os.environ.get("FUZZ_REPORT")
    if not target:
        return
    path = Path(target)
    report = json.loads(path.read_text()) if path.exists() else {}
    report[section] = figures
    path.write_text(json.dumps(report, indent=2))
