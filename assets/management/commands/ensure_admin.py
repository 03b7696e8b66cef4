import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

# The embedded default's first user, for a laptop only: production never gets it.
DEVELOPMENT_PASSWORD = "admin"


class Command(BaseCommand):
    help = (
        "Create the first admin user if there is none: DJANGO_ADMIN_USER (default admin) with "
        "DJANGO_ADMIN_PASSWORD. In production mode (DJANGO_DEBUG=false) the password is "
        "required and must pass the password validators; in debug mode it defaults to admin."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("DJANGO_ADMIN_USER", "admin")
        password = os.environ.get("DJANGO_ADMIN_PASSWORD", "")
        if not settings.DEBUG:
            production_password_checked(username, password)
        users.objects.create_superuser(
            username=username, email="", password=password or DEVELOPMENT_PASSWORD
        )
        self.stdout.write(f"Created admin user {username!r} (password from DJANGO_ADMIN_PASSWORD)")


def production_password_checked(username: str, password: str) -> None:
    """Refuse to create the first admin with no password or a guessable one: the login page is
    reachable by everyone the CSMS serves."""
    if not password:
        raise CommandError(
            "Production mode needs DJANGO_ADMIN_PASSWORD to create the first admin user "
            "(or create one with `manage.py createsuperuser` first)."
        )
    if password == username:
        raise CommandError("DJANGO_ADMIN_PASSWORD must not be the user name.")
    try:
        validate_password(password, user=get_user_model()(username=username))
    except ValidationError as error:
        raise CommandError(f"DJANGO_ADMIN_PASSWORD refused: {' '.join(error.messages)}") from error
