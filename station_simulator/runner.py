"""Run many simulated stations at once for a bounded time and report on each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .config import StationConfig, StationReport
from .ledger import TransactionRecord
from .station import SimulatedStation
from .v2 import Station21, Station201
from .v16 import Station16

_STATION_CLASSES: dict[str, type[SimulatedStation]] = {
    "ocpp1.6": Station16,
    "ocpp2.0.1": Station201,
    "ocpp2.1": Station21,
}


def create_station(config: StationConfig) -> SimulatedStation:
    """A (not yet connected) station of the class matching ``config.protocol``."""
    return _STATION_CLASSES[config.protocol](config)


@dataclass
class RunProgress:
    """A snapshot of a running fleet, handed to ``on_progress`` about once a second."""

    total: int
    connected: int
    booted: int
    messages_sent: int
    messages_answered: int
    messages_received: int
    errors: int
    elapsed: float
    finished: bool = False


def snapshot(
    stations: Sequence[SimulatedStation], started: float, finished: bool = False
) -> RunProgress:
    """Sum the counters of ``stations`` into one :class:`RunProgress`."""
    reports = [station.report for station in stations]
    return RunProgress(
        total=len(reports),
        connected=sum(r.connected for r in reports),
        booted=sum(r.boot_status == "Accepted" for r in reports),
        messages_sent=sum(r.messages_sent for r in reports),
        messages_answered=sum(r.messages_answered for r in reports),
        messages_received=sum(r.messages_received for r in reports),
        errors=sum(len(r.errors) for r in reports),
        elapsed=time.monotonic() - started,
        finished=finished,
    )


async def run_stations(
    configs: Sequence[StationConfig],
    *,
    duration: float,
    on_progress: Callable[[RunProgress], None] | None = None,
    stagger: float = 0.02,
    progress_interval: float = 1.0,
) -> list[StationReport]:
    """Run one station per config concurrently for ``duration`` seconds, then stop them all.

    Connections are spread ``stagger`` seconds apart (capped to a quarter of the
    duration) so that a large fleet does not hit the server in one burst.  A station
    that fails (refused handshake, lost connection, ...) does not disturb the others:
    its error ends up in its report.  Reports come back in the order of ``configs``; each holds
    the station's ledger (see :func:`fleet_ledger`).
    """
    stations = [create_station(config) for config in configs]
    started = time.monotonic()
    step = min(stagger, duration / 4 / max(len(stations), 1))
    tasks = [
        asyncio.create_task(_run_one(station, index * step))
        for index, station in enumerate(stations)
    ]
    reporter = asyncio.create_task(
        _report_progress(stations, started, on_progress, progress_interval)
    )
    try:
        await asyncio.wait(tasks, timeout=duration)
    finally:
        # Clean stop for everyone, even when we are being cancelled ourselves.
        await asyncio.gather(*(station.stop() for station in stations), return_exceptions=True)
        # A station still in its opening handshake would otherwise hold us up to open_timeout.
        _done, stragglers = await asyncio.wait(tasks, timeout=1.0)
        for task in stragglers:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        reporter.cancel()
        await asyncio.gather(reporter, return_exceptions=True)
    if on_progress is not None:
        on_progress(snapshot(stations, started, finished=True))
    return [station.report for station in stations]


def fleet_ledger(reports: Sequence[StationReport]) -> list[TransactionRecord]:
    """Every transaction the stations of a run ran (their truth), station by station."""
    return [record for report in reports for record in report.ledger]


async def _run_one(station: SimulatedStation, delay: float) -> None:
    try:
        await asyncio.sleep(delay)
        await station.run()
    except asyncio.CancelledError:
        if not station.report.connected:
            station.record_error("the run ended before the connection was established")
        raise
    except Exception as exc:  # one broken station must not take the fleet down
        station.record_error(f"station crashed: {exc!r}")


async def _report_progress(
    stations: Sequence[SimulatedStation],
    started: float,
    on_progress: Callable[[RunProgress], None] | None,
    interval: float,
) -> None:
    if on_progress is None:
        return
    while True:
        await asyncio.sleep(interval)
        on_progress(snapshot(stations, started))
