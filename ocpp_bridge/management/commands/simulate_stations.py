"""``manage.py simulate_stations``: a fleet of simulated OCPP stations against a CSMS."""

from __future__ import annotations

import asyncio
import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from station_simulator import (
    PROTOCOLS,
    QUIRKS,
    RunProgress,
    StationConfig,
    StationReport,
    fleet_ledger,
    parse_quirks,
    run_stations,
    station_identity,
)

DEFAULT_PASSWORD = "simulated-station-pw"
# Summary rows printed before only the stations with problems are listed.
MAX_ROWS = 50


class Command(BaseCommand):
    help = (
        "Run N simulated charging stations speaking OCPP-J over WebSockets for a while, "
        "print progress every second and a summary at the end."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the command-line options."""
        parser.add_argument("--count", type=int, default=1, help="number of stations")
        parser.add_argument(
            "--protocol",
            choices=[*PROTOCOLS, "all"],
            default="ocpp1.6",
            help="OCPP version; 'all' spreads the stations over the three versions",
        )
        parser.add_argument("--duration", type=float, default=60.0, help="seconds to run")
        parser.add_argument("--url", default="ws://127.0.0.1:8000/ocpp", help="WebSocket base URL")
        parser.add_argument("--prefix", default="SIM", help="identity prefix (SIM-201-0001)")
        parser.add_argument("--first", type=int, default=1, help="number of the first station")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Basic-auth password")
        parser.add_argument(
            "--heartbeat-interval",
            type=float,
            default=None,
            help="seconds between heartbeats (default: what the CSMS says at boot)",
        )
        parser.add_argument("--transactions", type=int, default=1, help="transactions per station")
        parser.add_argument("--transaction-duration", type=float, default=20.0)
        parser.add_argument("--meter-interval", type=float, default=5.0, help="seconds")
        parser.add_argument("--connectors", type=int, default=2)
        parser.add_argument(
            "--id-token",
            default="{identity}",
            help="token for transactions; may use {n} (station number in the fleet) and "
            "{identity}. One token per station by default: a token shared by stations charging "
            "at once is refused as ConcurrentTx",
        )
        parser.add_argument("--stagger", type=float, default=0.02, help="seconds between connects")
        parser.add_argument(
            "--create", action="store_true", help="register the stations in the database first"
        )
        parser.add_argument("--network", default=None, help="network of created stations")
        parser.add_argument(
            "--quirks",
            default="",
            help="quirks of real stations to play, comma-separated, or 'all': " + ", ".join(QUIRKS),
        )
        parser.add_argument(
            "--max-schedule-periods",
            type=int,
            default=24,
            help="periods a charging schedule may have; a profile with more is Rejected",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Build the fleet, optionally register it, run it and report."""
        if options["count"] < 1 or options["duration"] <= 0:
            raise CommandError("--count must be at least 1 and --duration positive.")
        self._quiet_loggers(options["verbosity"])
        try:
            options["quirks"] = parse_quirks(options["quirks"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        configs = build_configs(options)
        if options["create"]:
            self._register(configs, options["network"])
        self.stdout.write(
            f"Simulating {len(configs)} station(s) against {options['url']} "
            f"for {options['duration']:g}s"
        )
        reports = asyncio.run(
            run_stations(
                configs,
                duration=options["duration"],
                on_progress=self._progress,
                stagger=options["stagger"],
            )
        )
        self._summary(reports)
        failed = [report for report in reports if not report.connected]
        if failed:
            raise CommandError(f"{len(failed)} of {len(reports)} station(s) failed to connect.")

    def _quiet_loggers(self, verbosity: int) -> None:
        # Per-station warnings end up in the summary; only show them live when asked to.
        level = {0: logging.CRITICAL, 1: logging.CRITICAL, 2: logging.WARNING}.get(verbosity)
        logging.getLogger("station_simulator").setLevel(level or logging.INFO)
        logging.getLogger("websockets").setLevel(level or logging.INFO)

    def _register(self, configs: list[StationConfig], network: str | None) -> None:
        # Imported here so the simulator command loads even without the assets app.
        from assets.services import station_upsert
        from tokens.services import token_upsert

        created = 0
        for config in configs:
            _asset, is_new = station_upsert(
                identity=config.identity,
                password=config.password,
                protocol=config.protocol,
                network_name=network,
            )
            created += bool(is_new)
            token_upsert(id_token=config.id_token)
        self.stdout.write(
            f"Registered {len(configs)} station(s), {created} new, and their id tokens."
        )

    def _progress(self, progress: RunProgress) -> None:
        label = "done" if progress.finished else "run "
        self.stdout.write(
            f"[{label} {progress.elapsed:7.1f}s] connected {progress.connected}/{progress.total}"
            f"  booted {progress.booted}  sent {progress.messages_sent}"
            f"  answered {progress.messages_answered}  received {progress.messages_received}"
            f"  errors {progress.errors}"
        )

    def _summary(self, reports: list[StationReport]) -> None:
        header = (
            f"{'identity':<18} {'protocol':<10} {'conn':<5} {'boot':<9} {'sent':>6} "
            f"{'answ':>6} {'recv':>6} {'tx':>5} {'err':>4}  first error"
        )
        # Beyond a screenful only the troubled stations are worth a row each.
        shown = reports
        if len(reports) > MAX_ROWS:
            shown = [r for r in reports if r.errors or not r.ok][:MAX_ROWS]
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in shown:
            self.stdout.write(_row(r))
        if len(shown) < len(reports):
            self.stdout.write(f"... {len(reports) - len(shown)} more station(s) not shown")
        self.stdout.write("-" * len(header))
        connected = sum(r.connected for r in reports)
        style = self.style.SUCCESS if connected == len(reports) else self.style.ERROR
        self.stdout.write(
            style(
                f"{connected}/{len(reports)} station(s) connected, "
                f"{sum(r.boot_status == 'Accepted' for r in reports)} booted, "
                f"{sum(r.messages_sent for r in reports)} messages sent, "
                f"{sum(r.messages_answered for r in reports)} answered, "
                f"{sum(r.transactions_completed for r in reports)} transactions completed, "
                f"{sum(len(r.errors) for r in reports)} error(s)."
            )
        )
        ledger = fleet_ledger(reports)
        self.stdout.write(
            f"Ledger: {len(ledger)} transaction(s), {sum(t.refused for t in ledger)} refused, "
            f"{sum(t.energy_wh for t in ledger):,.0f} Wh delivered."
        )


def _row(r: StationReport) -> str:
    """One line of the summary table."""
    first_error = r.errors[0][:70] if r.errors else ""
    tx = f"{r.transactions_completed}/{r.transactions_started}"
    return (
        f"{r.identity:<18} {r.protocol:<10} {'yes' if r.connected else 'NO':<5} "
        f"{r.boot_status or '-':<9} {r.messages_sent:>6} {r.messages_answered:>6} "
        f"{r.messages_received:>6} {tx:>5} {len(r.errors):>4}  {first_error}"
    )


def build_configs(options: dict[str, Any]) -> list[StationConfig]:
    """One :class:`StationConfig` per station; ``--protocol all`` rotates the versions."""
    protocols = list(PROTOCOLS) if options["protocol"] == "all" else [options["protocol"]]
    configs = []
    for index in range(options["count"]):
        protocol = protocols[index % len(protocols)]
        number = options["first"] + index // len(protocols)
        identity = station_identity(options["prefix"], protocol, number)
        configs.append(
            StationConfig(
                identity=identity,
                password=options["password"],
                protocol=protocol,
                url=options["url"],
                connectors=options["connectors"],
                heartbeat_interval=options["heartbeat_interval"],
                meter_value_interval=options["meter_interval"],
                transactions=options["transactions"],
                transaction_duration=options["transaction_duration"],
                # {n} counts across the whole fleet so that tokens differ between versions.
                id_token=options["id_token"].format(n=options["first"] + index, identity=identity),
                quirks=options.get("quirks") or frozenset(),
                max_schedule_periods=options.get("max_schedule_periods") or 24,
            )
        )
    return configs
