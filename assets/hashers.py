from django.contrib.auth.hashers import PBKDF2PasswordHasher


class StationPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with a small work factor, for charging-station passwords only.

    OCPP station passwords are machine-generated secrets of 16-40 characters (2.0.1 §A00), so
    brute force is not what the work factor protects against here; a user-grade factor would
    make a reconnect storm of thousands of stations cost minutes of CPU at the handshake.
    """

    algorithm = "pbkdf2_sha256_station"
    iterations = 2_000
