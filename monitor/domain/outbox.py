"""An alert as the register stores it: the outbox row that reports and the sender read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.domain.enums import AlertKind, OutboxState, Severity


@dataclass(frozen=True)
class OutboxRow:
    """One alert in the outbox, as stored."""

    id: int
    key: str
    kind: AlertKind
    severity: Severity
    session_id: str | None
    reminder: int
    title: str
    body: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_duration_s: float | None
    delivered_at: datetime | None
    permanent_failure: bool
    claim_token: str | None = None
    claimed_until: datetime | None = None
    claim_pid: int | None = None  # the send child working on the claim (schema v4)

    @property
    def state(self) -> OutboxState:
        """Return ``delivered``, ``failed`` (gave up), ``retrying`` or ``pending``."""
        if self.delivered_at is not None:
            return OutboxState.DELIVERED
        if self.permanent_failure:
            return OutboxState.FAILED
        return OutboxState.RETRYING if self.attempts else OutboxState.PENDING
