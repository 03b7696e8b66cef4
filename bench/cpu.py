"""Where the CPU went during a phase: seconds of CPU per process (or kind of process), read
from /proc before and after, so each phase can say what one message or one call cost each
part of the production shape."""

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
# Processes counted by name (their pids come and go: PostgreSQL backends, for one).
BY_NAME = {"postgres": "postgres", "redis-server": "redis"}


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int | str) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def cpu_meter(processes: dict[str, int]) -> Callable[[], Counter[str]]:
    """A function returning CPU seconds so far: each named pid with its child processes (a
    prefork Celery worker's pool), every PostgreSQL and Redis process on the machine, and this
    process (the load generator)."""
    parents = {str(pid): name for name, pid in processes.items()}  # not the load generator's:
    processes = {**processes, "load generator": os.getpid()}  # the servers are its children

    def read() -> Counter[str]:
        seconds: Counter[str] = Counter()
        for name, pid in processes.items():
            seconds[name] += _cpu_seconds(pid)
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                name = BY_NAME.get((entry / "comm").read_text().strip())
                name = name or parents.get(_stat(entry.name)[1])
                if name:
                    seconds[name] += _cpu_seconds(entry.name)
            except OSError:  # it ended meanwhile
                continue
        return seconds

    return read


def per_unit(before: Counter[str], after: Counter[str], units: int, unit: str) -> str:
    """'CPU ms per call: daphne 12.3, worker 4.5, ...', largest first."""
    spent = {name: after[name] - before[name] for name in after}
    parts = [
        f"{name} {seconds / units * 1000:.1f}"
        for name, seconds in sorted(spent.items(), key=lambda item: -item[1])
    ]
    total = sum(spent.values()) / units * 1000
    return f"CPU ms per {unit}: {', '.join(parts)} (all {total:.1f})"
