"""What a 2.x station reports holding (ReportChargingProfiles) is kept under the request that
asked, and each kept limit is compared with it; old requests go with their calls."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from smart_charging.installed_profiles import (
    installed_limits_compare,
    profiles_request_create,
    profiles_requests_prune,
    reported_profiles_of,
    reported_profiles_record,
)
from smart_charging.models import ChargingLimit, ChargingProfilesRequest, LimitSource
from smart_charging.profile_messages import set_profile_payload
from smart_charging.station_limits import profile_limit_of

pytestmark = pytest.mark.django_db(transaction=True)


def kept(asset, purpose: str, periods: list[dict[str, float]]) -> ChargingLimit:
    return ChargingLimit.objects.create(
        asset=asset, purpose=purpose, limit_amps=max(p["limitAmps"] for p in periods),
        periods=periods, recurrency="Daily", schedule_start=timezone.now(),
        source=LimitSource.OPERATOR,
    )  # fmt: skip


def as_sent(asset, limit: ChargingLimit) -> dict:
    profile = profile_limit_of(limit, asset=asset, version=asset.protocol)
    return set_profile_payload(asset.protocol, profile, now="")["chargingProfile"]


def report(asset, request_id: int, profiles: list[dict], *, last: bool, evse_id: int = 0) -> None:
    reported_profiles_record(
        asset_id=asset.pk, request_id=request_id, evse_id=evse_id, source="CSO",
        profiles=profiles, last=last,
    )  # fmt: skip


def test_each_limit_is_confirmed_differs_or_missing_and_others_are_unknown(make_station) -> None:
    asset = make_station("CP-HELD", protocol="ocpp2.0.1")
    evening = [{"startPeriod": 0, "limitAmps": 32}, {"startPeriod": 61_200, "limitAmps": 16}]
    held, changed, lost = (kept(asset, p, evening) for p in ("station_max", "tx_default", "tx"))
    ChargingLimit.objects.filter(pk=lost.pk).update(transaction_id="T-1")
    lost.refresh_from_db()
    other = {**as_sent(asset, held), "id": 999}
    edited = as_sent(asset, changed)
    edited["chargingSchedule"][0]["chargingSchedulePeriod"][1]["limit"] = 20.0
    asked = profiles_request_create(asset=asset, evse_id=None)

    report(asset, asked.pk, [as_sent(asset, held), other], last=False)
    assert not ChargingProfilesRequest.objects.get(pk=asked.pk).complete
    report(asset, asked.pk, [edited], last=True, evse_id=1)

    assert ChargingProfilesRequest.objects.get(pk=asked.pk).complete
    checks, unknown = installed_limits_compare(
        asset=asset, limits=[held, changed, lost], reported=reported_profiles_of(asked)
    )
    assert [(c.limit.pk, c.installed) for c in checks] == [
        (held.pk, "confirmed"), (changed.pk, "differs"), (lost.pk, "missing")
    ]  # fmt: skip
    assert [row.profile["id"] for row in unknown] == [999]


def test_a_report_nobody_of_this_station_asked_for_is_not_kept(make_station) -> None:
    asset = make_station("CP-HELD", protocol="ocpp2.1")
    stranger = make_station("CP-OTHER", protocol="ocpp2.1")
    asked = profiles_request_create(asset=asset, evse_id=0)
    report(stranger, asked.pk, [{"id": 1}], last=True)
    report(asset, asked.pk + 100, [{"id": 1}], last=True)
    assert not reported_profiles_of(asked)
    assert not ChargingProfilesRequest.objects.get(pk=asked.pk).complete


def test_requests_go_after_the_calls_retention(make_station) -> None:
    asset = make_station("CP-HELD", protocol="ocpp2.1")
    old, recent = (profiles_request_create(asset=asset, evse_id=None) for _ in range(2))
    report(asset, old.pk, [{"id": 1}], last=True)
    aged = timezone.now() - timedelta(days=settings.CALL_RETENTION_DAYS + 1)
    ChargingProfilesRequest.objects.filter(pk=old.pk).update(created_at=aged)
    assert profiles_requests_prune() == 1
    assert list(ChargingProfilesRequest.objects.values_list("pk", flat=True)) == [recent.pk]
