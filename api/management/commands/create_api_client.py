from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from api.services import UnknownScopeError, api_client_create


class Command(BaseCommand):
    help = "Create an OAuth2 client-credentials API client and print its id and secret."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", required=True, help='e.g. "write:ocpp read:asset"')
        parser.add_argument(
            "--network",
            action="append",
            default=[],
            help="Restrict the client to this network (repeatable); omitted: unrestricted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, secret = api_client_create(
                name=options["name"],
                scopes=options["scopes"].split(),
                network_names=options["network"],
            )
        except UnknownScopeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"client_id={client.client_id}")
        self.stdout.write(f"client_secret={secret}")
        self.stdout.write(f"scopes={client.allowed_scopes}")
        self.stdout.write(f"unrestricted={client.unrestricted}")
        self.stderr.write("The secret is stored hashed: keep it now, it cannot be shown again.")
