"""The tokens app's hand-built statements, built once per process: each runs for a charger
message (an Authorize, a 1.6 StartTransaction), where Django building the SQL of a queryset
cost more than running it. Built with csms.runtime.row_sql; everything else in the app uses
the ORM.
"""

from charging.models import ChargingSession
from csms.runtime.row_sql import RowSelect, RowsWhere
from tokens.models import IdToken

# The token read of every Authorize and transaction start, where get() compiled it each time
# (docs/PERFORMANCE.md, fix 33).
TOKEN_BY_ID_TOKEN = RowSelect(IdToken, ["id_token"])

# The concurrent check of every accepted 1.6 start: its token's active session on another EVSE
# (one without an EVSE counts as elsewhere), a negated filter compiled per message
# (docs/PERFORMANCE.md, fix 37).
ACTIVE_ELSEWHERE = RowsWhere(
    ChargingSession,
    (
        "{id_token} = %s AND {status} = %s "
        "AND NOT ({asset} = %s AND {evse_id} IS NOT NULL AND {evse_id} = %s)",
        ["id_token", "status", "asset", "evse_id"],
    ),
    limit=1,
    columns=["id"],
)
