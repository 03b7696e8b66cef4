"""What a station says it holds (2.0.1 / 2.1 GetChargingProfiles, answered by
ReportChargingProfiles frames carrying the request's id), compared with the limits the CSMS
keeps: each confirmed, differing or missing. 1.6 has no GetChargingProfiles; its stations are
asked for their composite schedule instead (smart_charging.limit_apis)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from ocpp_bridge.calls.waiting import new_reply_channel, notify_waiter, wake_up_wait
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.versions import OcppVersion
from retention.batches import delete_in_batches
from smart_charging.models import ChargingLimit, ChargingProfilesRequest, ReportedChargingProfile
from smart_charging.profile_messages import get_profiles_payload, set_profile_payload
from smart_charging.station_limits import profile_limit_of

# How long a request waits for the station's last ReportChargingProfiles after its answer
# to GetChargingProfiles (a station sends them right after; a slow one gets this long).
REPORTS_WAIT_SECONDS = 10.0


def profiles_request_create(*, asset: Asset, evse_id: int | None) -> ChargingProfilesRequest:
    """A new request whose pk is the requestId to send; committed before the call is, so
    the station's reports always find it."""
    return ChargingProfilesRequest.objects.create(
        asset=asset, evse_id=evse_id, reply_channel=new_reply_channel()
    )


def reported_profiles_record(
    *, asset_id: Any, request_id: int, evse_id: int, source: str, profiles: list[dict[str, Any]],
    last: bool,
) -> None:  # fmt: skip
    """Keep the profiles of one ReportChargingProfiles frame under the request it answers
    and, after the last (tbc false) commits, wake the request waiting for them. A report no
    request of this station asked for (its id unknown, or another station's) is kept in the
    frame log only."""
    request = ChargingProfilesRequest.objects.filter(pk=request_id, asset_id=asset_id).first()
    if request is None:
        return
    ReportedChargingProfile.objects.bulk_create(
        ReportedChargingProfile(
            request=request, evse_id=evse_id, charging_limit_source=source, profile=profile
        )
        for profile in profiles
    )
    if last:
        ChargingProfilesRequest.objects.filter(pk=request.pk).update(complete=True)
        if request.reply_channel:
            channel = request.reply_channel
            transaction.on_commit(lambda: notify_waiter(channel))


def reported_profiles_wait(request: ChargingProfilesRequest, *, timeout: float) -> bool:
    """Block until the station's last report for `request` arrived, or `timeout` seconds
    passed; True when it did. Outside a transaction (the reports commit on another path)."""
    deadline = time.monotonic() + timeout
    rows = ChargingProfilesRequest.objects.filter(pk=request.pk, complete=True)
    while not rows.exists():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        wake_up_wait(request.reply_channel, min(remaining, 1.0))
    return True


@dataclass(frozen=True)
class InstalledCheck:
    """A station's answer to GetChargingProfiles, and each kept limit checked against it."""

    request_id: int
    call: OcppCall
    status: str  # Accepted (reports followed) / NoProfiles
    complete: bool  # the last report arrived in time (or none was due)
    checks: list["LimitCheck"]
    unknown: list[ReportedChargingProfile]


def installed_profiles_check(
    *, asset: Asset, evse_id: int | None, limits: list[ChargingLimit],
    send: Callable[[str, dict[str, Any]], OcppCall],
) -> InstalledCheck:  # fmt: skip
    """Ask a 2.x station what it holds and check `limits` against its reports. `send`
    delivers a call and waits for its answer (the caller's: it maps a station that cannot be
    reached to its own errors). Outside a transaction: the request row must be committed
    before the station reports, and the reports commit on the charger path."""
    asked = profiles_request_create(asset=asset, evse_id=evse_id)
    call = send("GetChargingProfiles", get_profiles_payload(request_id=asked.pk, evse_id=evse_id))
    status = str((call.response_payload or {}).get("status", ""))
    complete = status != "Accepted" or reported_profiles_wait(asked, timeout=REPORTS_WAIT_SECONDS)
    checks, unknown = installed_limits_compare(
        asset=asset, limits=limits, reported=reported_profiles_of(asked)
    )
    return InstalledCheck(asked.pk, call, status, complete, checks, unknown)


@dataclass(frozen=True)
class LimitCheck:
    """A kept limit against what the station reported: confirmed (held as sent), differs
    (its profile id held with other periods), missing (not held)."""

    limit: ChargingLimit
    installed: str


def installed_limits_compare(
    *, asset: Asset, limits: list[ChargingLimit], reported: list[ReportedChargingProfile]
) -> tuple[list[LimitCheck], list[ReportedChargingProfile]]:
    """Each kept limit checked against the reported profiles, and the profiles the station
    holds that the CSMS does not keep (set by hand through raw-request, or by others)."""
    held = {int(row.profile.get("id", -1)): row for row in reported}
    checks = []
    for limit in limits:
        row = held.pop(limit.profile_id, None)
        if row is None:
            checks.append(LimitCheck(limit, "missing"))
        else:
            same = _schedule_of(row.profile) == _schedule_of(_expected_profile(asset, limit))
            checks.append(LimitCheck(limit, "confirmed" if same else "differs"))
    return checks, list(held.values())


def _expected_profile(asset: Asset, limit: ChargingLimit) -> dict[str, Any]:
    version = OcppVersion(asset.protocol)
    profile = profile_limit_of(limit, asset=asset, version=version)
    return dict(set_profile_payload(version, profile, now="")["chargingProfile"])


def _schedule_of(profile: dict[str, Any]) -> tuple[Any, ...]:
    """What must match: kind, recurrence and each period's start and limit."""
    schedules = profile.get("chargingSchedule") or [{}]
    periods = tuple(
        (int(p["startPeriod"]), round(float(p["limit"]), 1))
        for p in schedules[0].get("chargingSchedulePeriod", [])
    )
    return profile.get("chargingProfileKind"), profile.get("recurrencyKind"), periods


def reported_profiles_of(request: ChargingProfilesRequest) -> list[ReportedChargingProfile]:
    return list(request.profiles.order_by("received_at", "pk"))


def profiles_requests_prune(*, now: datetime | None = None) -> int:
    """Requests (and the profiles reported for them) older than the calls that sent them
    are kept (CALL_RETENTION_DAYS): their answer is read once, by the request that asked."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CALL_RETENTION_DAYS)
    return delete_in_batches(ChargingProfilesRequest.objects.filter(created_at__lt=cutoff))
