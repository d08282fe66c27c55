"""The immutable records that cross part boundaries: links, periods, permits, sessions, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, Entity, Period, Purpose, Severity, Verdict
from monitor.domain.media import MediaObserved


@dataclass(frozen=True)
class LinkObserved:
    """What the kernel says about one watched interface at one instant.

    ``online`` = carrier present and operstate up (never the admin flag alone).
    ``present`` is False once the interface has been removed (then online is False).
    """

    interface: str
    index: int
    online: bool
    carrier: bool | None
    operstate: str  # "up", "down", "lowerlayerdown", "dormant", "unknown", ...
    admin_up: bool
    at: datetime  # aware, UTC: when the monitor received it
    present: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (``at`` as ISO 8601 UTC) with every field."""
        return {
            "at": self.at.isoformat(timespec="microseconds"),
            "interface": self.interface,
            "index": self.index,
            "online": self.online,
            "carrier": self.carrier,
            "operstate": self.operstate,
            "admin_up": self.admin_up,
            "present": self.present,
        }


@dataclass(frozen=True)
class PeriodInfo:
    """What the schedule says about one instant."""

    # Instants are local times of the configured zone with a fixed UTC offset (see
    # Schedule.local): safe to compare and subtract with any aware datetime.
    at: datetime  # the instant asked about, in the configured zone
    period: Period
    holiday: str | None  # name of the national holiday or closed day of the rule's day, if any
    rule: str | None  # e.g. "clinic[0] sun,holiday 17:00-22:00"; None for off-hours
    next_change: datetime  # first instant after `at` with another period (configured zone)


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
    attendant: str = ""  # the clinic's staff member who attends the work (立会者)
    granted_as: str = ""  # the effective user when it differs from the login (sudo)
    cancelled_at: datetime | None = None  # aware, UTC: withdrawn (kept, never deleted)
    cancelled_by: str = ""

    def valid_at(self, t: datetime) -> bool:
        """Return True while ``t`` lies in [granted_at, granted_at + expected) and the
        permit was not cancelled before ``t``."""
        if self.cancelled_at is not None and self.cancelled_at <= t:
            return False
        return self.granted_at <= t < self.granted_at + self.expected


@dataclass(frozen=True)
class Ack:
    """Who silenced the alarm, when and from where (``AckSource`` values: the command,
    the lamp's button, the box's button, the screen lamp)."""

    by: str  # the login behind the control socket's peer, or the source for a button
    source: str
    at: datetime  # aware, UTC
    session_id: str | None = None


@dataclass(frozen=True)
class WorkReport:
    """What the staff recorded after a session: the work done, checked against its permit."""

    session_id: str
    done: str
    personal_data: bool  # personal (patient) data was accessed
    erased: str  # data brought in or out was erased: "yes", "no" or "none" (there was none)
    as_planned: bool
    note: str
    reported_by: str  # the login behind the control socket's peer
    reported_as: str  # the effective user when it differs from the login
    at: datetime  # aware, UTC
    deviations: tuple[str, ...] = ()  # codes: "no-permit", "longer", "purpose-other", ...
    id: int | None = None


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
    # Ended while the monitor was down: at an unknown instant between ``ended_at`` (last
    # seen open) and ``ended_by`` (the restart that found it over). None otherwise.
    ended_by: datetime | None = None
    # Started while the kernel said the clock was not synchronised: "unsynchronised
    # <estimated error in s>" (``ClockCheck.note``); None otherwise.
    clock_note: str | None = None
    # The closed session's length as the daemon measured it on the monotonic clock
    # (issue 13: a wall clock set back during the session does not make it negative);
    # None: not measured (then ``ended_at - started_at``, never below zero).
    measured_s: float | None = None

    @property
    def worst(self) -> Verdict:
        return Verdict.worst(self.verdicts)

    def duration(self, now: datetime | None = None) -> timedelta:
        """Return how long the session lasted: ``measured_s`` when the daemon measured it,
        else ended_at - started_at (``now`` - started_at while open); never negative."""
        if self.ended_at is not None and self.measured_s is not None:
            return timedelta(seconds=max(0.0, self.measured_s))
        end = self.ended_at or now
        if end is None:
            raise ValueError("open session: pass now")
        return max(timedelta(0), end - self.started_at)

    def raised(self, kind: AlertKind) -> bool:
        return any(a.kind == kind for a in self.alerts)


@dataclass(frozen=True)
class Alert:
    """An alert to deliver. Rendered to text by ``monitor.alerts.render``."""

    kind: AlertKind
    severity: Severity
    at: datetime  # aware, UTC
    session: Session | None  # snapshot at the time of the alert; None for monitor alerts
    reminder: int = 0
    period: PeriodInfo | None = None  # the period at `at`, for the text
    detail: str = ""  # monitor alerts: what happened (an English code/sentence)
    limit: timedelta | None = None  # overdue alerts: the session's limit (max or permit)
    medium: MediaObserved | None = None  # media alerts: the medium's insertion

    @property
    def key(self) -> str:
        """Return the idempotency key: one alert per (session, kind, reminder); a media
        alert: one per (session, kind, medium) while online, else one per (insertion,
        kind); two monitor notices at one instant differ by their detail code."""
        if self.medium is not None:
            m = self.medium
            if self.session is not None and self.kind == AlertKind.MEDIA_ONLINE:
                return f"{self.session.id}/{self.kind}/{m.medium.ident}"
            since = m.at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            return f"M{since}/{self.kind}/{m.medium.ident}"
        if self.session is not None:
            sid = self.session.id
        else:  # two notices at one instant (a start that found the register altered)
            code = self.detail.partition(":")[0].strip()
            sid = f"monitor@{self.at.isoformat()}" + (f":{code}" if code else "")
        return f"{sid}/{self.kind}/{self.reminder}"


def session_id(started_at: datetime) -> str:
    """Return the deterministic id of a session started at aware ``started_at``."""
    return "S" + started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


@dataclass(frozen=True)
class Transition:
    """A change of state, for the register's transitions table."""

    entity: str  # "machine", "pattern", "buzzer" or "session:<id>" (see ``Entity``)
    old: str | None
    new: str
    reason: str
    at: datetime

    @property
    def kind(self) -> Entity:
        """Return the entity's kind (``Entity.SESSION`` for ``session:<id>``)."""
        return Entity(self.entity.split(":", 1)[0])
