"""Reads about networks: what depends on one before it may go."""

from api.models import ApiClient
from networks.models import Network


def network_dependents(*, network: Network) -> dict[str, int]:
    """How many API clients, assets, asset groups and site partners of `network` would lose it
    (only those counted: tokens, rates and webhook endpoints of the network go with it).

    A client restricted to a deleted network would be restricted to nothing; an asset, group or
    partner would block the delete (PROTECT). Zero counts are left out."""
    counts = {
        "apiClients": ApiClient.objects.filter(networks=network).count(),
        "assets": network.assets.count(),
        "assetGroups": network.asset_groups.count(),
        "sitePartners": network.site_partners.count(),
    }
    return {name: count for name, count in counts.items() if count}


def network_dependents_text(dependents: dict[str, int]) -> str:
    """'2 API clients, 1 asset' for an operator's message."""
    names = {
        "apiClients": ("API client", "API clients"),
        "assets": ("asset", "assets"),
        "assetGroups": ("asset group", "asset groups"),
        "sitePartners": ("site partner", "site partners"),
    }
    return ", ".join(f"{count} {names[key][count != 1]}" for key, count in dependents.items())
