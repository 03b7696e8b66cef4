"""Read one station's frames of one day back from the frame log's archive."""

import json
import sys
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from retention.archive import archive_name, archived_frames

PROGRESS_EVERY_SECONDS = 2.0


class Command(BaseCommand):
    help = (
        "Print, as JSON lines, the archived frames of one station on one UTC day "
        "(FRAME_ARCHIVE_ENABLED archives a day partition before it is dropped). Progress "
        "goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("station", help="the station's identity, e.g. CP-1")
        parser.add_argument("day", type=date.fromisoformat, help="the UTC day, YYYY-MM-DD")

    def handle(self, *args: Any, station: str, day: date, **options: Any) -> None:
        try:
            frames = archived_frames(day=day)
            read = found = 0
            last_report = time.monotonic()
            for frame in frames:
                read += 1
                if frame["station"] == station:
                    found += 1
                    self.stdout.write(json.dumps(frame))
                if time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
                    last_report = time.monotonic()
                    self.stderr.write(f"{read:,} frames read, {found:,} of {station}")
        except FileNotFoundError as missing:
            raise CommandError(f"No archive for {day}: {archive_name(day)}") from missing
        self.stderr.write(f"Done: {read:,} frames of {day} read, {found:,} of {station}.")
        sys.stdout.flush()
