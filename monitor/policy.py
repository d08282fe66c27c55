"""The engine: sessions, verdicts, indicator pattern, alerts to raise, next wake-up.

Pure: ``Engine.step(state, event, now)`` returns the new state, the effects to
carry out, and the instant at which the engine next needs a ``Tick``. It never
reads a clock, a socket or a pin. The daemon owns every side effect.

CONTRACT (the types below are shared by register, notify, daemon, indicator):

    Engine(config, schedule)
    Engine.initial() -> EngineState
    Engine.step(state, event, now) -> Step(state, effects, wake_at)

Inputs: ``LinkObserved`` (monitor.links), ``Tick``, ``PermitGranted``,
``Acknowledged``, ``Restored``, ``Synced``.
Effects: ``LinkChanged``, ``SessionOpened``, ``SessionChanged``, ``SessionClosed``,
``AlertRaised``, ``PatternChanged``, ``Transition``.

Semantics (see DESIGN.md, "Domain model"):
- Online = any watched interface online. The pattern follows the links at once:
  ``off`` exactly when no watched link is online.
- A session opens at the first watched link up. It closes once every watched link
  has been down for ``link.settle``; its ``ended_at`` is the instant the last link
  went down (so a flapping cable is one session, not an alert storm).
- Alerts wait until the session has been up for ``link.settle`` (a cable wiggle
  emails nobody); ``clinic-hours`` is then raised at once, critical.
- One alert per session and kind; ``overdue`` is followed by reminders every
  ``limits.remind_every`` (reminder 1, 2, ...). ``resolved`` once when a session
  that raised any alert closes.
- A ``Restored`` session keeps its alerts: nothing already raised is raised again.
  After ``Synced`` (the watcher's first dump is in), a restored session with no
  watched link online is closed with ``EndReason.RECOVERED`` at its ``last_seen``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Union

from monitor.config import Config
from monitor.links import LinkObserved
from monitor.schedule import Period, PeriodInfo, Schedule


class Pattern(StrEnum):
    OFF = "off"  # offline
    ON = "on"  # online and permitted: steady LED
    WARN = "warn"  # slow blink: overdue, outside a window, no permit
    ALARM = "alarm"  # fast blink + buzzer (until acknowledged): clinic hours


class Verdict(StrEnum):
    """Ordered from best to worst; ``Verdict.worst`` picks the worst of several."""

    PERMITTED = "permitted"
    NO_PERMIT = "no-permit"
    OVERDUE = "overdue"
    OUTSIDE_WINDOW = "outside-window"
    CLINIC_HOURS = "clinic-hours"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)

    @staticmethod
    def worst(verdicts) -> "Verdict":
        return max(verdicts, key=lambda v: v.rank, default=Verdict.PERMITTED)


class AlertKind(StrEnum):
    CLINIC_HOURS = "clinic-hours"
    OUTSIDE_WINDOW = "outside-window"
    NO_PERMIT = "no-permit"
    OVERDUE = "overdue"
    RESOLVED = "resolved"
    MONITOR = "monitor"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Purpose(StrEnum):
    FEE_UPDATE = "fee-update"
    REMOTE_MAINTENANCE = "remote-maintenance"
    OTHER = "other"


class EndReason(StrEnum):
    UNPLUGGED = "unplugged"  # the last watched link went down
    MONITOR_STOPPED = "monitor-stopped"  # closed on purpose when the monitor stopped
    RECOVERED = "ended-while-monitor-down"  # found down after a restart; ended_at = last seen


@dataclass(frozen=True)
class Permit:
    """A staff member's statement before (or, after_the_fact, during) a connection."""

    purpose: Purpose
    company: str
    staff: str
    expected: timedelta
    granted_by: str  # OS user name from the control socket's peer credentials
    granted_at: datetime  # aware, UTC
    note: str = ""
    after_the_fact: bool = False
    id: int | None = None  # assigned by the register

    def valid_at(self, t: datetime) -> bool:
        """Return True while ``t`` lies in [granted_at, granted_at + expected)."""
        return self.granted_at <= t < self.granted_at + self.expected


@dataclass(frozen=True)
class AlertRecord:
    """An alert a session has raised (kept on the session so nothing is raised twice)."""

    kind: AlertKind
    reminder: int  # 0 for the first alert of a kind, then 1, 2, ... for overdue reminders
    at: datetime


@dataclass(frozen=True)
class Session:
    """One connection: from the first watched link up to the last one down."""

    id: str  # deterministic: "S" + started_at in UTC as %Y%m%dT%H%M%S%fZ
    started_at: datetime  # aware, UTC
    interfaces: frozenset[str] = frozenset()  # every interface online during the session
    periods: frozenset[Period] = frozenset()  # every period the session touched
    verdicts: tuple[Verdict, ...] = ()  # in order of first occurrence
    alerts: tuple[AlertRecord, ...] = ()
    permit: Permit | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    last_seen: datetime | None = None  # last instant the monitor knew it was still open
    bytes_sent: int = 0  # filled in by the daemon from psutil counters
    bytes_received: int = 0

    @property
    def worst(self) -> Verdict:
        return Verdict.worst(self.verdicts)

    def duration(self, now: datetime | None = None) -> timedelta:
        """Return ended_at - started_at, or ``now`` - started_at while open."""
        end = self.ended_at or now
        if end is None:
            raise ValueError("open session: pass now")
        return end - self.started_at

    def raised(self, kind: AlertKind) -> bool:
        return any(a.kind == kind for a in self.alerts)


@dataclass(frozen=True)
class Alert:
    """An alert to deliver. Rendered to text by ``monitor.notify``."""

    kind: AlertKind
    severity: Severity
    at: datetime  # aware, UTC
    session: Session | None  # snapshot at the time of the alert; None for monitor alerts
    reminder: int = 0
    period: PeriodInfo | None = None  # the period at `at`, for the text
    detail: str = ""  # monitor alerts: what happened (an English code/sentence)

    @property
    def key(self) -> str:
        """Return the idempotency key: one alert per (session, kind, reminder)."""
        sid = self.session.id if self.session else f"monitor@{self.at.isoformat()}"
        return f"{sid}/{self.kind}/{self.reminder}"


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Tick:
    """Wake-up: a deadline the engine asked for has passed (or a periodic check)."""


@dataclass(frozen=True)
class PermitGranted:
    permit: Permit


@dataclass(frozen=True)
class Acknowledged:
    by: str  # OS user, or "" for the button
    source: str  # "cli", "gpio button", "box button"


@dataclass(frozen=True)
class Restored:
    """The daemon restarted and found this open session in the register."""

    session: Session
    last_seen: datetime


@dataclass(frozen=True)
class Synced:
    """The watcher's first full dump has been fed in: the link table is now known."""


Input = Union[LinkObserved, Tick, PermitGranted, Acknowledged, Restored, Synced]

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
class Transition:
    """A change of state, for the register's transitions table."""

    entity: str  # "machine", "session:<id>", "pattern"
    old: str | None
    new: str
    reason: str
    at: datetime


Effect = Union[
    LinkChanged, SessionOpened, SessionChanged, SessionClosed, AlertRaised, PatternChanged, Transition
]


@dataclass(frozen=True)
class EngineState:
    """Everything the engine knows. Immutable; ``step`` returns a new one."""

    online: frozenset[str] = frozenset()  # watched interfaces online now
    session: Session | None = None
    pending_permits: tuple[Permit, ...] = ()  # granted, not yet linked to a session
    pattern: Pattern = Pattern.OFF
    silenced: bool = False
    synced: bool = False
    last_down: datetime | None = None  # when the last watched link went down (settling)
    extra: tuple = field(default=())  # reserved for the implementation


@dataclass(frozen=True)
class Step:
    state: EngineState
    effects: tuple[Effect, ...]
    wake_at: datetime | None  # when to send the next Tick; None = only on input


class Engine:
    """The decision function under one config. Pure."""

    def __init__(self, config: Config, schedule: Schedule):
        self.config = config
        self.schedule = schedule

    def initial(self) -> EngineState:
        """Return the state of a monitor that knows nothing yet."""
        return EngineState()

    def step(self, state: EngineState, event: Input, now: datetime) -> Step:
        """Return the state, effects and next wake-up after ``event`` at aware ``now``."""
        raise NotImplementedError
