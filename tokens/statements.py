"""The tokens app's hand-built statements, built once per process: each runs for a charger
message (an Authorize, a 1.6 StartTransaction), where Django building the SQL of a queryset
cost more than running it. Built with csms.runtime.row_sql; everything else in the app uses
the ORM.
"""

from charging.models import ChargingSession
from csms.runtime.row_sql import RowsWhere
from tokens.models import IdToken

# The token read of every Authorize and transaction start, where get() compiled it each time
# (docs/PERFORMANCE.md, fix 33): the token of the station's network, else the one without a
# network (valid on every network), in one round trip.
TOKEN_FOR_NETWORK = RowsWhere(
    IdToken,
    ("{id_token} = %s AND ({network} = %s OR {network} IS NULL)", ["id_token", "network"]),
    order_by="{network} IS NULL",
    limit=1,
)

# The concurrent check of every accepted 1.6 start: its token's active session on another EVSE
# (one without an EVSE counts as elsewhere), a negated filter compiled per message
# (docs/PERFORMANCE.md, fix 37). By the stored token, not the idToken's value: the same card
# number may be two tenants' two cards (idTokens are unique per network).
ACTIVE_ELSEWHERE = RowsWhere(
    ChargingSession,
    (
        "{token} = %s AND {status} = %s "
        "AND NOT ({asset} = %s AND {evse_id} IS NOT NULL AND {evse_id} = %s)",
        ["token", "status", "asset", "evse_id"],
    ),
    limit=1,
    columns=["id"],
)
