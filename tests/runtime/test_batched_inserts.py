"""Rows kept by `inserts_batched` are written together at the end of the block, or not at all
when the block fails."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from charging.models import MeterSample
from csms.runtime.batched_inserts import insert, inserts_batched

pytestmark = pytest.mark.django_db


def samples(asset_id: object, *values: int) -> list[MeterSample]:
    return [
        MeterSample(
            asset_id=asset_id,
            sampled_at=timezone.now(),
            measurand="Power.Active.Import",
            value=value,
            unit="W",
        )
        for value in values
    ]


def inserts_into_samples(queries: CaptureQueriesContext) -> int:
    into = 'INSERT INTO "charging_metersample"'
    return sum(1 for query in queries.captured_queries if query["sql"].startswith(into))


def test_rows_are_written_with_one_insert_when_the_block_ends(make_station) -> None:
    asset = make_station("CP-B1")
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), inserts_batched():
        insert(MeterSample, samples(asset.pk, 1, 2))
        insert(MeterSample, samples(asset.pk, 3))
        assert not MeterSample.objects.exists()  # kept, not yet written
    assert sorted(MeterSample.objects.values_list("value", flat=True)) == [1, 2, 3]
    assert inserts_into_samples(queries) == 1


def test_rows_of_a_failed_block_are_not_written(make_station) -> None:
    asset = make_station("CP-B2")
    with pytest.raises(RuntimeError), transaction.atomic(), inserts_batched():
        insert(MeterSample, samples(asset.pk, 1))
        raise RuntimeError("a handler failed")
    insert(MeterSample, samples(asset.pk, 2))  # outside a block: at once
    assert list(MeterSample.objects.values_list("value", flat=True)) == [2]
