from networks.models import Network

DEFAULT_NETWORK_NAME = "default"


def network_get_or_create(*, name: str | None) -> Network:
    """The network called `name`, created on first use; the default network when `name` is None."""
    network, _ = Network.objects.get_or_create(name=name or DEFAULT_NETWORK_NAME)
    return network
