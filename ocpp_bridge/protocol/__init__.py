"""OCPP-J framing, schema validation and error codes. Knows nothing of Django."""
