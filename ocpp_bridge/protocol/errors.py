"""CALLERROR codes, spelled the way each OCPP version spells them."""

from enum import Enum
from typing import Any

from ocpp_bridge.protocol.versions import OcppVersion


class ErrorCode(Enum):
    FORMAT_VIOLATION = "FormatViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"

    def spelled_for(self, version: OcppVersion) -> str:
        """The wire spelling: 1.6 keeps its historic names (1.6-J errata §5) and has no
        RpcFrameworkError, whose nearest 1.6 code for an unreadable frame is ProtocolError."""
        if version.is_v16:
            return _V16_SPELLING.get(self, self.value)
        return self.value


_V16_SPELLING = {
    ErrorCode.FORMAT_VIOLATION: "FormationViolation",
    ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
    ErrorCode.RPC_FRAMEWORK_ERROR: "ProtocolError",
    ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED: "NotSupported",
}


class OcppError(Exception):
    """A failure to be answered with a CALLERROR."""

    def __init__(
        self, code: ErrorCode, description: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        # Keep descriptions within the 255 characters 2.0.1 allows (Part 4 §4.2.3).
        self.description = description[:255]
        self.details = details or {}
