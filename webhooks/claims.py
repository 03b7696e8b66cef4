"""Which due deliveries a sender takes next: a lease on each (so no two senders POST one at
once), at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT leased per endpoint and
WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK per network across every sender, and turns shared out network
by network, then endpoint by endpoint, so that one tenant's backlog (a receiver that hangs)
never stands before another tenant's first attempts, and its many hanging receivers together
never hold a sender's every slot.

Claims are serialized by a transaction-level advisory lock (PostgreSQL): the in-flight count
read under it is exact. A claim costs the same whatever the backlog: it reads at most the room
of each endpoint from that endpoint's index (webhooks.statements). It takes no lock the
charger path or the recording of attempts waits on: the deliveries are taken with SKIP LOCKED
and nothing else is locked.
"""

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from webhooks.statements import due_per_endpoint

# Any constant: the key of the one advisory lock that claims take in turn.
CLAIM_LOCK_KEY = 0x77686B73  # "whks"


def deliveries_claim(
    *, delivery_ids: Sequence[Any] | None, now: datetime, limit: int = 200
) -> list[WebhookDelivery]:
    """Lease up to `limit` due deliveries (only among `delivery_ids`, when given), fairly;
    returns them with their endpoint loaded. Runs its own short transaction."""
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    with transaction.atomic():
        _claims_in_turn()
        in_flight = _in_flight(now)
        per_endpoint = {endpoint_id: n for (endpoint_id, _), n in in_flight.items()}
        if delivery_ids is None and connection.vendor == "postgresql":
            candidates = due_per_endpoint(_rooms(per_endpoint), now)
        else:
            due = _due(now)
            if delivery_ids is not None:
                due = due.filter(pk__in=list(delivery_ids))
            candidates = list(_candidates(due))
        chosen = fair_turns(
            candidates, per_endpoint, limit=limit, network_in_flight=_per_network(in_flight)
        )
        if not chosen:
            return []
        taken = {
            d.pk: d
            for d in _due(now)
            .filter(pk__in=chosen)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
        }
        WebhookDelivery.objects.filter(pk__in=list(taken)).update(leased_until=lease)
    return [taken[pk] for pk in chosen if pk in taken]


def _claims_in_turn() -> None:
    if connection.vendor == "postgresql":  # SQLite serializes writers by itself
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK_KEY])


def _due(now: datetime) -> QuerySet[WebhookDelivery]:
    """Pending, its time come, not leased (or its sender died), its endpoint enabled (an
    endpoint deleted meanwhile joins nothing: its orphans are never sent)."""
    return WebhookDelivery.objects.filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
        endpoint__enabled=True,
    )


def _candidates(due: QuerySet[WebhookDelivery]) -> Iterable[tuple[Any, Any, Any]]:
    """(id, endpoint, network) of the first due deliveries of each endpoint, oldest first:
    no more per endpoint than may ever be in flight. A window over every due delivery: for
    SQLite and for claims of given ids; PostgreSQL reads each endpoint's index instead
    (webhooks.statements)."""
    ranked = due.annotate(
        turn=Window(
            RowNumber(),
            partition_by=[F("endpoint_id")],
            order_by=[F("next_attempt_at").asc(), F("created_at").asc()],
        )
    ).filter(turn__lte=settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT)
    return ranked.order_by("turn").values_list("pk", "endpoint_id", "endpoint__network_id")


def _rooms(in_flight: dict[Any, int]) -> dict[Any, int]:
    """How many more each enabled endpoint may have in flight, where it may have any."""
    bound = settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT
    enabled = WebhookEndpoint.objects.filter(enabled=True).values_list("pk", flat=True)
    rooms = {pk: bound - in_flight.get(pk, 0) for pk in enabled}
    return {pk: room for pk, room in rooms.items() if room > 0}


def _in_flight(now: datetime) -> dict[tuple[Any, Any], int]:
    """Leased deliveries per (endpoint, network)."""
    leased = WebhookDelivery.objects.filter(
        leased_until__isnull=False,  # webhooks_delivery_leased: the few leased rows only
        leased_until__gte=now,
        state=DeliveryState.PENDING,
    )
    counted = (
        leased.values("endpoint_id", "endpoint__network_id")
        .annotate(n=Count("pk"))
        .values_list("endpoint_id", "endpoint__network_id", "n")
    )
    return {(endpoint_id, network_id): n for endpoint_id, network_id, n in counted}


def _per_network(in_flight: dict[tuple[Any, Any], int]) -> dict[Any, int]:
    totals: dict[Any, int] = defaultdict(int)
    for (_, network_id), n in in_flight.items():
        totals[network_id] += n
    return totals


def fair_turns(
    candidates: Iterable[tuple[Any, Any, Any]],
    in_flight: dict[Any, int],
    *,
    limit: int,
    network_in_flight: dict[Any, int] | None = None,
) -> list[Any]:
    """Delivery ids in the order they get their turn: one per network in turn, and within a
    network one per endpoint in turn; an endpoint or a network at its in-flight bound gets
    none. (Endpoints of no network, the platform's own, share one bound as if one network.)"""
    room: dict[Any, int] = {}  # endpoint -> how many more it may have in flight
    network_room = _network_rooms(network_in_flight or {})
    queues: dict[Any, dict[Any, deque[Any]]] = defaultdict(dict)
    for pk, endpoint_id, network_id in candidates:
        if endpoint_id not in room:
            room[endpoint_id] = settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT - in_flight.get(
                endpoint_id, 0
            )
        if room[endpoint_id] > 0:
            room[endpoint_id] -= 1
            queues[network_id].setdefault(endpoint_id, deque()).append(pk)
    networks = deque(
        (network_id, deque(endpoints.values()))
        for network_id, endpoints in queues.items()
        if network_room[network_id] > 0
    )
    chosen: list[Any] = []
    while networks and len(chosen) < limit:
        network_id, endpoints = networks.popleft()
        endpoint_queue = endpoints.popleft()
        chosen.append(endpoint_queue.popleft())
        network_room[network_id] -= 1
        if endpoint_queue:
            endpoints.append(endpoint_queue)
        if endpoints and network_room[network_id] > 0:
            networks.append((network_id, endpoints))
    return chosen


def _network_rooms(network_in_flight: dict[Any, int]) -> defaultdict[Any, int]:
    bound = settings.WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK
    rooms: defaultdict[Any, int] = defaultdict(lambda: bound)
    for network_id, n in network_in_flight.items():
        rooms[network_id] = bound - n
    return rooms
