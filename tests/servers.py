"""Real server processes for end-to-end tests: daphne on the test database."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def unavailable(message: str) -> NoReturn:
    """A real component a test needs is missing: a failure in CI, a skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    """A DATABASE_URL for the database pytest-django created, for child processes."""
    db: dict[str, Any] = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="csms.settings",
        DATABASE_URL=test_database_url(),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)  # may override the above, e.g. a DATABASE_URL through a proxy
    return env


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s")


@contextmanager
def daphne_process(log_path: Path, **env: str) -> Iterator[str]:
    """Run daphne serving the project on a free port; yields its address (host:port)."""
    with daphne_popen(log_path, **env) as (address, _process):
        yield address


# The daphne processes running now, whichever fixture or test started them.
RUNNING_DAPHNES: set[subprocess.Popen[bytes]] = set()


@contextmanager
def other_daphnes_paused(*own: subprocess.Popen[bytes]) -> Iterator[None]:
    """Stop (SIGSTOP) every running daphne process but `own` for the block, then let them go
    on. For a database outage that a test gives its own processes only: a process that still
    reaches the database (the session's daphne_server, say) rightly takes those for dead and
    sweeps them; paused, it sees the outage as they do."""
    with _paused(RUNNING_DAPHNES - set(own)):
        yield


# The Celery workers and webhook senders running now, whichever fixture started them.
RUNNING_WORKERS: set[subprocess.Popen[bytes]] = set()


@contextmanager
def other_workers_paused(*own: subprocess.Popen[bytes]) -> Iterator[None]:
    """Stop (SIGSTOP) every running Celery worker and webhook sender but `own` for the block:
    for tests that count what their own processes did, or send webhooks in process. They all
    share one database and broker, so the session's cluster would otherwise take its share of
    the queued calls and due deliveries."""
    with _paused(RUNNING_WORKERS - set(own)):
        yield


@contextmanager
def _paused(processes: set[subprocess.Popen[bytes]]) -> Iterator[None]:
    paused = [process for process in processes if process.poll() is None]
    for process in paused:
        process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for process in paused:
            process.send_signal(signal.SIGCONT)


@contextmanager
def daphne_popen(log_path: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """daphne_process, also yielding the process itself (for tests that kill it)."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "daphne",
                "-b", "127.0.0.1", "-p", str(port),
                "--ping-interval", "5", "--ping-timeout", "5",
                "--websocket_timeout", "-1", "--application-close-timeout", "60",
                "csms.asgi:application",
            ],
            cwd=ROOT,
            env=child_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        RUNNING_DAPHNES.add(process)
        try:
            wait_for_port(port, process)
            yield f"127.0.0.1:{port}", process
        finally:
            RUNNING_DAPHNES.discard(process)
            stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def celery_worker_process(
    log_path: Path, *, queues: str = "celery", concurrency: int = 4, **env: str
) -> Iterator[None]:
    """Run a Celery worker on the test database and the configured broker."""
    with celery_worker_popen(log_path, queues=queues, concurrency=concurrency, **env):
        yield


@contextmanager
def celery_worker_popen(
    log_path: Path,
    *,
    pool: str = "threads",
    queues: str = "celery",
    concurrency: int = 4,
    **env: str,
) -> Iterator[subprocess.Popen[bytes]]:
    """celery_worker_process, yielding the process itself (for tests that kill it). `pool`:
    "threads" (one process, `concurrency` threads) or "prefork" (as many processes).
    `queues`: "celery" (the call worker) or "smart_charging" (docker-compose's
    load-manager)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "csms", "worker",
                "--loglevel", "INFO", "--pool", pool, "--concurrency", str(concurrency),
                "--queues", queues,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=child_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        RUNNING_WORKERS.add(process)
        try:
            _wait_for_log(log_path, b"ready", process)
            yield process
        finally:
            RUNNING_WORKERS.discard(process)
            stop(process, timeout=15)


@contextmanager
def webhook_sender_process(log_path: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """The webhook sender as docker-compose runs it (`manage.py send_webhooks`)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "send_webhooks"],
            cwd=ROOT,
            env=child_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        RUNNING_WORKERS.add(process)
        try:
            _wait_for_log(log_path, b"webhook sender ready", process)
            yield process
        finally:
            RUNNING_WORKERS.discard(process)
            stop(process, timeout=15)


def _wait_for_log(path: Path, marker: bytes, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early:\n{path.read_text(errors='replace')}")
        if marker in path.read_bytes():
            return
        time.sleep(0.2)
    raise RuntimeError(f"no {marker!r} in {path} within 60 s")


@contextmanager
def redis_server_popen(port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A private, non-persistent redis-server on `port` (for tests that kill or restart it;
    never the shared one). Restarting it on the same port starts empty, as after a crash."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(port, process)
            yield process
        finally:
            stop(process)


@dataclass
class PrivateRedis:
    """A redis-server of the test's own (never the shared one), killed and started again on
    the same port; `stack` stops it at the end."""

    stack: ExitStack
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            unavailable("needs Debian's redis-server")
        self.process = self.stack.enter_context(redis_server_popen(self.port, self.log))

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
