"""CPU instructions per unit of work, counted by valgrind (callgrind), not timed: the count
does not drift with the machine's speed, which moved by ±15 % within one session here and
could not separate a 10 % change from the drift (docs/PERFORMANCE.md, 12-01).

Runs one of the in-process benchmarks twice under valgrind, small and large (side by side, on
stations of their own), and prints the difference in instructions (every thread of the
process: Python, psycopg, the Redis client; not PostgreSQL's or Redis' own) divided by the
extra units of work:

  messages: bench/queries.py, 1.6 charging cycles (11 charger messages each), one transaction
            per message (no group commit)
  intake:   bench/intake.py, async raw-requests through Django's handler
  call:     bench/call_path.py, a call's claim and its answer stored (what a call costs the
            worker and daphne beyond its HTTP request)

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench2 REDIS_URL=redis://127.0.0.1:6379/8 \\
      .venv/bin/python bench/instructions.py messages intake call [--tree PATH]

`--tree`: measure another checkout (e.g. a git worktree of an older commit) with this venv.
Each run takes minutes (valgrind runs the code some 50 times slower). Needs valgrind
(Debian's package).
"""

import argparse
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name: (script, arguments of the small run, of the large run, units of work the large adds)
WORKLOADS = {
    "messages": (
        "bench/queries.py",
        ["--cycles", "2", "--identity", "BENCH-QS"],
        ["--cycles", "12", "--identity", "BENCH-QL"],
        10 * 11,
    ),
    "intake": (
        "bench/intake.py",
        ["--stations", "50", "--requests", "50", "--prefix", "BENCH-IS"],
        ["--stations", "50", "--requests", "250", "--prefix", "BENCH-IL"],
        200,
    ),
    "call": (
        "bench/call_path.py",
        ["--stations", "50", "--rounds", "1", "--prefix", "BENCH-CS"],
        ["--stations", "50", "--rounds", "5", "--prefix", "BENCH-CL"],
        200,
    ),
}


def instructions(tree: Path, script: str, arguments: list[str]) -> int:
    """The instructions valgrind counted for one run of `script` in `tree`."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, script, *arguments]  # fmt: skip
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if not line.startswith("==")]
        raise RuntimeError(f"{script} {' '.join(arguments)} failed:\n" + "\n".join(lines[-30:]))
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workloads", nargs="+", choices=sorted(WORKLOADS))
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to measure")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    runs = {
        (name, size): (script, arguments)
        for name in args.workloads
        for size, arguments in (("small", WORKLOADS[name][1]), ("large", WORKLOADS[name][2]))
        for script in [WORKLOADS[name][0]]
    }
    print(f"==> {len(runs)} runs under valgrind in {args.tree}", flush=True)
    with ThreadPoolExecutor(max_workers=2) as pool:  # the machine's two cores
        counted = dict(
            zip(
                runs,
                pool.map(lambda run: instructions(args.tree, *run), runs.values()),
                strict=True,
            )
        )
    for name in args.workloads:
        extra = counted[name, "large"] - counted[name, "small"]
        per_unit = extra / WORKLOADS[name][3]
        print(f"    {name}: {per_unit / 1e6:.2f} M instructions per unit", flush=True)


if __name__ == "__main__":
    main()
