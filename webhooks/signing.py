"""The signature receivers check: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

The timestamp is inside the signed text, so a receiver that rejects old timestamps also rejects
replays of a captured request.
"""

import hashlib
import hmac


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
