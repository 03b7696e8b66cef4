"""The webhooks app's hand-built statement: the one query Django's ORM cannot say.

A claim wants each endpoint's first few due deliveries. As a window over every due delivery
(the ORM's way) its cost grows with the backlog of a receiver that hangs, which grows by every
event for as long as it hangs; a LATERAL join reads at most `room` rows of each endpoint from
its own index (webhooks_delivery_due_per_endpoint), whatever the backlog. PostgreSQL only: the
embedded setup (SQLite, one sender, small backlogs) keeps the window (webhooks.claims).
"""

from typing import Any

from django.db import connection

DUE_PER_ENDPOINT = """
SELECT d.id, d.endpoint_id, e.network_id
FROM unnest(%s::uuid[], %s::int[]) AS r(endpoint_id, room)
JOIN webhooks_webhookendpoint e ON e.id = r.endpoint_id AND e.enabled
CROSS JOIN LATERAL (
    SELECT id, endpoint_id, next_attempt_at, created_at
    FROM webhooks_webhookdelivery
    WHERE endpoint_id = r.endpoint_id
      AND state = 'pending'
      AND next_attempt_at <= %s
      AND (leased_until IS NULL OR leased_until < %s)
    ORDER BY next_attempt_at, created_at
    LIMIT r.room
) d
ORDER BY d.next_attempt_at, d.created_at
"""


def due_per_endpoint(rooms: dict[Any, int], now: Any) -> list[tuple[Any, Any, Any]]:
    """(id, endpoint, network) of at most `rooms[endpoint]` due deliveries of each endpoint,
    oldest first."""
    if not rooms:
        return []
    endpoint_ids = list(rooms)
    with connection.cursor() as cursor:
        cursor.execute(
            DUE_PER_ENDPOINT, [endpoint_ids, [rooms[e] for e in endpoint_ids], now, now]
        )
        return list(cursor.fetchall())
