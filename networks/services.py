from django.db import IntegrityError, transaction
from rest_framework import status

from api.errors import ApiError
from networks.models import ConcurrentCardUse, Network
from networks.selectors import network_dependents, network_dependents_text

DEFAULT_NETWORK_NAME = "default"


def network_get_or_create(*, name: str | None) -> Network:
    """The network called `name`, created on first use; the default network when `name` is None."""
    network, _ = Network.objects.get_or_create(name=name or DEFAULT_NETWORK_NAME)
    return network


def network_create(
    *, name: str, description: str = "", concurrent_card_use: str = ConcurrentCardUse.REFUSE
) -> Network:
    """Create a network. Raises ApiError 409 network_name_taken."""
    network = Network(name=name, description=description, concurrent_card_use=concurrent_card_use)
    _save_unique_name(network, update_fields=None)
    return network


def network_update(
    *,
    network: Network,
    name: str | None = None,
    description: str | None = None,
    concurrent_card_use: str | None = None,
) -> Network:
    """Rename, redescribe or set the concurrent card rule of a network. Raises ApiError 409
    network_name_taken."""
    changed: list[str] = []
    if concurrent_card_use is not None:
        network.concurrent_card_use = concurrent_card_use
        changed.append("concurrent_card_use")
    if name is not None:
        network.name = name
        changed.append("name")
    if description is not None:
        network.description = description
        changed.append("description")
    _save_unique_name(network, update_fields=[*changed, "updated_at"])
    return network


def network_delete(*, network: Network) -> None:
    """Delete `network` with its tokens, rates and webhook endpoints. Raises ApiError 409
    network_in_use, naming how many API clients, assets, asset groups and site partners depend
    on it: the operator moves them (or deletes them) first, so that no client is silently left
    restricted to nothing and no asset without its network."""
    with transaction.atomic():
        # Locked so that no client or asset joins the network between the count and the delete.
        locked = Network.objects.select_for_update().get(pk=network.pk)
        dependents = network_dependents(network=locked)
        if dependents:
            raise ApiError(
                status.HTTP_409_CONFLICT,
                "network_in_use",
                f"The network is in use ({network_dependents_text(dependents)}): move or "
                "delete them first.",
                {"dependents": dependents},
            )
        locked.delete()


def _save_unique_name(network: Network, *, update_fields: list[str] | None) -> None:
    # The unique index decides: a check before saving could race with another request.
    try:
        with transaction.atomic():
            network.save(update_fields=update_fields)
    except IntegrityError:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "network_name_taken",
            # Not naming it: the other network may be another tenant's.
            "A network with this name already exists.",
            {"field": "name"},
        ) from None
