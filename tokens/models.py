from django.db import models

from csms.models import TimestampedModel
from networks.models import Network


class TokenStatus(models.TextChoices):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"


class TokenType(models.TextChoices):
    """OCPP 2.x IdTokenEnumType."""

    CENTRAL = "Central"
    EMAID = "eMAID"
    ISO14443 = "ISO14443"
    ISO15693 = "ISO15693"
    KEY_CODE = "KeyCode"
    LOCAL = "Local"
    MAC_ADDRESS = "MacAddress"
    NO_AUTHORIZATION = "NoAuthorization"


class IdToken(TimestampedModel):
    """An id token (RFID card, app token, ...) that Authorize and transactions check.

    Unique within its network, so that one tenant cannot take another's card numbers by
    registering them first; a token without a network is valid on every network and unique
    among those. Authorize looks in the station's network first, then among those."""

    id_token = models.CharField(max_length=255, db_index=True)
    token_type = models.CharField(
        max_length=20,
        choices=TokenType.choices,
        default=TokenType.ISO14443,
        help_text="OCPP 2.x IdTokenEnumType.",
    )
    status = models.CharField(
        max_length=10, choices=TokenStatus.choices, default=TokenStatus.ACCEPTED
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    group_id = models.CharField(max_length=255, blank=True, help_text="Parent id / group id token.")
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens"
    )
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("id_token",)
        constraints = [
            models.UniqueConstraint(fields=["id_token", "network"], name="token_unique_in_network"),
            models.UniqueConstraint(
                fields=["id_token"],
                condition=models.Q(network__isnull=True),
                name="token_unique_without_network",
            ),
        ]

    def __str__(self) -> str:
        return self.id_token
