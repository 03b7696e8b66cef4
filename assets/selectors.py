"""Reads of assets."""

import base64
import binascii

from django.contrib.auth.hashers import check_password

from assets.models import Asset, SecurityProfile


def basic_auth_credentials(header: bytes | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header, or None."""
    if not header or header[:6].lower() != b"basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def station_authenticate(*, identity: str, authorization: bytes | None) -> Asset | None:
    """The asset for a handshake by `identity`, or None when it must be refused.

    Security profiles 1 and 2 need Basic auth whose user is the identity itself and whose
    password matches the stored hash. (Profile 2's TLS and profile 3 are checked by the proxy.)
    """
    asset = Asset.objects.select_related("network").filter(identity=identity).first()
    if asset is None:
        return None
    if asset.security_profile == SecurityProfile.TLS_CLIENT_CERT:
        return None  # needs a verified client certificate, which plain handshakes never carry
    credentials = basic_auth_credentials(authorization)
    if credentials is None or credentials[0] != identity or not asset.password_hash:
        return None
    return asset if check_password(credentials[1], asset.password_hash) else None
