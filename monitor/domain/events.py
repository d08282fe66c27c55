"""The engine's inputs (what happened) and effects (what to do about it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.domain.enums import Pattern
from monitor.domain.media import MediaObserved
from monitor.domain.model import Alert, LinkObserved, Permit, Session, Transition

# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Tick:
    """Wake-up: a deadline the engine asked for has passed (or a periodic check)."""


@dataclass(frozen=True)
class PermitGranted:
    permit: Permit


@dataclass(frozen=True)
class PermitCancelled:
    """A permit was withdrawn: no longer waiting, and unlinked from the open session."""

    permit_id: int


@dataclass(frozen=True)
class Acknowledged:
    by: str  # OS user, or "" for the button
    source: str  # "cli", "gpio button", "box button"


@dataclass(frozen=True)
class Restored:
    """The daemon restarted and found this open session in the register."""

    session: Session
    last_seen: datetime
    acked: bool = False  # someone acknowledged during the session (its alarms stay silent)


@dataclass(frozen=True)
class Synced:
    """The watcher's first full dump has been fed in: the link table is now known."""


Input = (
    LinkObserved
    | Tick
    | PermitGranted
    | PermitCancelled
    | Acknowledged
    | Restored
    | Synced
    | MediaObserved
)

# ---------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class LinkChanged:
    """A watched interface's online state changed: a link event for the register."""

    observation: LinkObserved


@dataclass(frozen=True)
class SessionOpened:
    session: Session


@dataclass(frozen=True)
class SessionChanged:
    session: Session
    reason: str


@dataclass(frozen=True)
class SessionClosed:
    session: Session  # ended_at and end_reason set


@dataclass(frozen=True)
class AlertRaised:
    alert: Alert


@dataclass(frozen=True)
class PatternChanged:
    pattern: Pattern
    silenced: bool  # the buzzer is acknowledged (alarm only)
    reason: str


@dataclass(frozen=True)
class MediaChanged:
    """A medium was inserted, removed or found present: a media event for the register."""

    observation: MediaObserved


Effect = (
    LinkChanged
    | SessionOpened
    | SessionChanged
    | SessionClosed
    | AlertRaised
    | PatternChanged
    | Transition
    | MediaChanged
)
