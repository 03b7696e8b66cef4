import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the first admin user if there is none: DJANGO_ADMIN_USER / DJANGO_ADMIN_PASSWORD, "
        "default admin / admin (change it at once outside a laptop)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("DJANGO_ADMIN_USER", "admin")
        password = os.environ.get("DJANGO_ADMIN_PASSWORD", "admin")
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(f"Created admin user {username!r} (password from DJANGO_ADMIN_PASSWORD)")
