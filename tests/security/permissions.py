"""Staff users for the permission tests: who may see stations, and who may also command them."""

from typing import Any

from django.contrib.auth.models import Permission


def grant_command_station(user: Any) -> Any:
    """`user` with assets.command_station (the console's and the admin actions' permission)."""
    user.user_permissions.add(Permission.objects.get(codename="command_station"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no stale permission cache
