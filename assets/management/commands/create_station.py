from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assets.models import Protocol, SecurityProfile
from assets.services import station_upsert


class Command(BaseCommand):
    help = "Create a charging station (asset) or update its password, protocol and network."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--identity", required=True, help="OCPP identity, as in the URL")
        parser.add_argument("--password", help="Basic-auth password (16-40 characters advised)")
        parser.add_argument("--protocol", choices=Protocol.values, default="")
        parser.add_argument("--network", help="Network name; created if new (default: default)")
        parser.add_argument(
            "--security-profile",
            type=int,
            choices=SecurityProfile.values,
            default=SecurityProfile.BASIC_AUTH,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        identity = options["identity"]
        if "/" in identity or not 0 < len(identity) <= 48:
            raise CommandError("The identity is 1-48 characters without '/'.")
        if (
            options["security_profile"] != SecurityProfile.TLS_CLIENT_CERT
            and not options["password"]
        ):
            raise CommandError("Security profiles 1 and 2 need --password.")
        asset, created = station_upsert(
            identity=identity,
            password=options["password"],
            protocol=options["protocol"],
            network_name=options["network"],
            security_profile=options["security_profile"],
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} station {asset.identity} (asset {asset.pk}, network {asset.network.name})"
            )
        )
