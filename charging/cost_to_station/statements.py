"""Hand-built statements of the cost messages (csms.runtime.row_sql), where a queryset would be
compiled for every message of a running session."""

from charging.models import ChargingSession
from csms.runtime.row_sql import RowSelect

# The session of a 1.6 MeterValues or StopTransaction, read again (unlocked: the message's own
# transaction holds its lock) to see whether its cost is due: one per MeterValues, the path
# measured hot in docs/PERFORMANCE.md (fix 33), so not a get() compiled each time.
SESSION_OF_TRANSACTION = RowSelect(ChargingSession, ["asset", "transaction_id"])
