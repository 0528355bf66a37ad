"""flightdeck-client: the typed async Python client of the Flightdeck agent API."""

from . import models
from .client import ApprovalTimeout, FlightdeckClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FlightdeckError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
)
from .models import (
    Accepted,
    AgentEvent,
    Alert,
    Approval,
    Heartbeat,
    MetricSample,
    Project,
    Recorded,
    Task,
    UsageEvent,
    Vitals,
    Withdrawn,
)

__all__ = [
    "Accepted",
    "AgentEvent",
    "Alert",
    "Approval",
    "ApprovalTimeout",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "FlightdeckClient",
    "FlightdeckError",
    "Heartbeat",
    "MetricSample",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "Project",
    "RateLimitError",
    "Recorded",
    "Task",
    "UsageEvent",
    "Vitals",
    "Withdrawn",
    "models",
]
