"""What a printed register shows, as plain records: gathered from the register by
``gather``, drawn by ``timeline``, ``table`` and ``page``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, OutboxState
from monitor.domain.media import MediaObserved
from monitor.domain.model import Session, WorkReport


@dataclass(frozen=True)
class ChainCheck:
    """The register's head and the result of ``verify`` at the moment of printing."""

    seq: int
    head: str
    count: int | None  # records intact; None when broken
    broken_record: str | None = None
    broken_reason: str | None = None
    first: int = 1  # the first record checked: > 1 when only a period's part was

    @property
    def ok(self) -> bool:
        return self.broken_record is None


@dataclass(frozen=True)
class AlertSeen:
    """One alert of a connection and how far its delivery got."""

    kind: AlertKind
    reminder: int
    raised_at: datetime
    state: OutboxState | None  # None: recorded on the session but never queued
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class AckSeen:
    """Somebody silenced the alarm."""

    at: datetime
    by: str
    source: str  # an ``AckSource`` value


@dataclass(frozen=True)
class Downtime:
    """A stretch in which the monitor did not watch.

    ``start_known`` is False when the register shows a restart without a recorded stop
    (a crash or a power cut): then ``start == end`` and only the restart is marked."""

    start: datetime
    end: datetime
    start_known: bool = True
    ongoing: bool = False  # still stopped when the report was made

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Connection:
    """One session as the month's list shows it, with its number in that list."""

    number: int
    session: Session
    alerts: tuple[AlertSeen, ...] = ()
    acks: tuple[AckSeen, ...] = ()
    report: WorkReport | None = None  # the staff's work report (None: 未報告 once ended)

    def end_or(self, now: datetime) -> datetime:
        """Return the session's end, or ``now`` while it is still open."""
        return self.session.ended_at or now


@dataclass(frozen=True)
class Month:
    """Everything one month's page shows. Times are aware (UTC)."""

    year: int
    month: int
    start: datetime  # local midnight of the 1st, as UTC
    end: datetime  # local midnight of the next 1st, as UTC (exclusive)
    connections: tuple[Connection, ...] = ()
    downtimes: tuple[Downtime, ...] = ()
    media: tuple[MediaObserved, ...] = ()  # insertions and removals inside the month

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def down_total(self) -> timedelta:
        """Return the monitor's known downtime inside the month."""
        return sum((d.length for d in self.downtimes if d.start_known), timedelta())


@dataclass(frozen=True)
class Masthead:
    """Who made the page, when, for which machine, in which language and zone."""

    machine: str
    made_at: datetime
    made_by: str
    chain: ChainCheck
    language: str = "ja"
    zone: tzinfo = field(default=UTC)


def month_bounds(year: int, month: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return local midnight of the 1st of ``month`` and of the next month, as UTC."""
    start = datetime(year, month, 1, tzinfo=zone)
    nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), nxt.astimezone(UTC)
