"""A 1.6 station's GetConfiguration answer, kept as its configuration: one StationVariable row
per key, with no component (2.x rows always name one). What the CSMS reads of it (the charging
rate unit and number of periods it takes, smart_charging.station_support) must outlive the call
rows, which retention prunes after CALL_RETENTION_DAYS."""

from typing import Any

from assets.station_reports import station_configuration_record
from ocpp_bridge.models import CallState, OcppCall

CONFIGURATION_ACTION = "GetConfiguration"


def configuration_answer_record(*, asset_id: Any, call_id: Any) -> int:
    """Store the keys of an answered GetConfiguration (masked as stored on its call); how
    many. A key the station did not know (unknownKey) changes nothing."""
    answer = (
        OcppCall.objects.filter(pk=call_id, state=CallState.ANSWERED)
        .values_list("response_payload", flat=True)
        .first()
    )
    keys = (answer or {}).get("configurationKey")
    if not isinstance(keys, list):
        return 0
    return station_configuration_record(asset_id=asset_id, keys=keys)
