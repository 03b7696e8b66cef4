"""The long fuzzing run: the CI fuzzers of tests/reliability/ with many more inputs, then the
figures (frames tried per OCPP version and kind, API requests by status class, failures).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_fuzz REDIS_URL=redis://127.0.0.1:6379/10 \\
      .venv/bin/python bench/fuzz.py [--frames 3000] [--api 150]

--frames is per OCPP version; --api is per operation of the OpenAPI document (half of them
fit the document, half break it). A failure prints hypothesis's smallest failing input.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/reliability/test_charger_fuzz.py", "tests/reliability/test_api_fuzz.py"]


def run(frames: int, api: int, report: Path, junit: Path) -> int:
    env = dict(
        os.environ,
        FUZZ_EXAMPLES=str(frames),
        FUZZ_API_EXAMPLES=str(api),
        FUZZ_REPORT=str(report),
    )
    # pytest-timeout's per-test limit is for CI's inputs, not for the long run.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "0"]
    command += ["--junitxml", str(junit), *TESTS]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def failures(junit: Path) -> list[str]:
    if not junit.exists():
        return ["(pytest wrote no report)"]
    failed = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(f"{case.get('classname')}::{case.get('name')}")
    return failed


def print_figures(report: Path, failed: list[str], seconds: float) -> None:
    figures = json.loads(report.read_text()) if report.exists() else {}
    print(f"\n== fuzzing figures ({seconds:.0f} s)")
    for version, data in figures.get("charger", {}).items():
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(data["by_kind"].items()))
        print(f"{version:10} frames tried: {data['tried']:6}   ({kinds})")
    api = figures.get("api")
    if api:
        classes = ", ".join(f"{k} {n}" for k, n in sorted(api["by_class"].items()))
        print(f"{'REST API':10} requests:     {api['requests']:6}   ({classes})")
    print(f"failures: {len(failed)}")
    for name in failed:
        print(f"  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=3000, help="frames per OCPP version")
    parser.add_argument("--api", type=int, default=150, help="requests per API operation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report, junit = Path(folder, "figures.json"), Path(folder, "junit.xml")
        started = time.monotonic()
        code = run(args.frames, args.api, report, junit)
        print_figures(report, failures(junit), time.monotonic() - started)
    return code


if __name__ == "__main__":
    sys.exit(main())
