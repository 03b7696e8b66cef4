"""The frame log's archive: before a day partition is dropped (FRAME_ARCHIVE_ENABLED), its
frames are written as gzip-compressed JSON lines, one file per UTC day
(`frames/YYYY/MM/DD.jsonl.gz`), to the storage STORAGES["frame_archive"] (a local folder by
default, any django-storages backend, e.g. S3, by settings: README "Retention")."""

import gzip
import io
import itertools
import json
import tempfile
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.serializers.json import DjangoJSONEncoder

from ocpp_bridge.frame_partitions import BeforeDrop, FramePartition
from ocpp_bridge.models import OcppFrame

ARCHIVE_STORAGE = "frame_archive"
_COLUMNS = (
    "id", "created_at", "asset__identity", "asset_id", "connection_id", "direction",
    "message_type", "message_id", "action", "payload", "raw", "invalid_response",
)  # fmt: skip
_CHUNK = 5000


def archive_storage() -> Storage:
    return storages[ARCHIVE_STORAGE]


def archive_name(day: date) -> str:
    return f"frames/{day:%Y/%m/%d}.jsonl.gz"


def frame_archive_hook() -> BeforeDrop | None:
    """What runs before a frame partition is dropped: its archive, when enabled."""
    return frames_archive_partition if settings.FRAME_ARCHIVE_ENABLED else None


def frames_archive_partition(partition: FramePartition) -> None:
    """Write the partition's frames to the archive, a file per day. A day written before (by
    a run that failed before its drop) is written again."""
    frames = OcppFrame.objects.filter(created_at__lt=partition.end)
    if partition.start is not None:
        frames = frames.filter(created_at__gte=partition.start)
    rows = frames.order_by("created_at", "id").values_list(*_COLUMNS).iterator(_CHUNK)
    records = (dict(zip(_COLUMNS, row, strict=True)) for row in rows)
    for day, of_day in itertools.groupby(records, key=lambda record: record["created_at"].date()):
        _save_day(day, of_day)


def _save_day(day: date, records: Iterator[dict[str, Any]]) -> None:
    storage, name = archive_storage(), archive_name(day)
    with tempfile.TemporaryFile() as spool:
        # GzipFile leaves the spool open when it closes, ending the compressed stream.
        with (
            gzip.GzipFile(fileobj=spool, mode="wb") as packed,
            io.TextIOWrapper(packed, "utf-8") as text,
        ):
            for record in records:
                text.write(json.dumps(_line(record), cls=DjangoJSONEncoder) + "\n")
        spool.seek(0)
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, File(spool, name=name))


def _line(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "at": record["created_at"],
        "station": record["asset__identity"],
        "assetId": record["asset_id"],
        "connectionId": record["connection_id"],
        "direction": record["direction"],
        "messageType": record["message_type"],
        "messageId": record["message_id"],
        "action": record["action"],
        "payload": record["payload"],
        "raw": record["raw"],
        "invalidResponse": record["invalid_response"],
    }


def archived_frames(*, day: date) -> Iterator[dict[str, Any]]:
    """Every frame archived for `day`, in time order (FileNotFoundError if none was)."""
    storage, name = archive_storage(), archive_name(day)
    if not storage.exists(name):
        raise FileNotFoundError(name)
    with storage.open(name, "rb") as stored, gzip.open(stored, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)
