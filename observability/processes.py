"""Metrics shared by every process (daphne, Celery workers, beat) through one directory.

With PROMETHEUS_MULTIPROC_DIR set, prometheus-client keeps each process's values in files of
that directory and the scraped process sums them. It names the files by process id, but the
containers of a scaled service (`docker compose up --scale web=3`) share pid numbers, daphne
being pid 1 in each: their files would collide. So a process is named by its host (a
container's id) and its pid. Without the variable, metrics are this process's alone (the
embedded setup: one process).

Imported before any metric is made (observability.metrics does), since a metric takes its
storage class when created.
"""

import atexit
import glob
import os
import socket

from prometheus_client import multiprocess, values

_HOST = socket.gethostname().replace("_", "-")  # "_" separates the parts of a file's name
_named: dict[int, str] = {}


def process_identifier() -> str:
    """`host-pid`, unique among processes sharing the directory. prometheus-client asks at
    every update (to notice a fork), so the name is kept per pid."""
    pid = os.getpid()
    name = _named.get(pid)
    if name is None:
        name = _named[pid] = f"{_HOST}-{pid}"
    return name


def shared_directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_dead(identifier: str) -> None:
    """Drop the live gauges of a process that ended (counters and histograms stay summed:
    what a dead process counted still happened)."""
    directory = shared_directory()
    if directory:
        multiprocess.mark_process_dead(identifier, directory)


def process_serving(kind: str) -> None:
    """Count this process among the live ones of its kind (daphne, worker, beat) until it
    ends."""
    from observability.metrics import processes

    processes.labels(kind).set(1)


def _dead_neighbours(directory: str) -> list[str]:
    """Processes of this host (container) that left live gauges and are gone: killed
    without running their exit hooks. Those of other hosts cannot be judged from here."""
    dead = []
    for path in glob.glob(os.path.join(directory, f"gauge_live*_{_HOST}-*.db")):
        pid = path.rsplit("-", 1)[1].removesuffix(".db")
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            dead.append(f"{_HOST}-{pid}")
    return dead


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _configure() -> None:
    directory = shared_directory()
    if directory is None:
        return
    values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)
    # A container restarted keeps its host name and often its pid: what a former process of
    # that name left in live gauges is not this one's, nor is a killed neighbour's.
    for identifier in {process_identifier(), *_dead_neighbours(directory)}:
        process_dead(identifier)
    atexit.register(lambda: process_dead(process_identifier()))


_configure()
