"""Read what a printed register needs from an open register (duck-typed: this adapter
never imports ``monitor.register``; the command passes the object in).

What the register records about the monitor itself stopping and starting, and how
it is read here:

- the outbox keeps every ``monitor`` alert for good, delivered or not, with its
  creation time: the daemon raises one when it starts ("started") and one when it
  stops cleanly ("stopped"); the code is not stored, only the rendered body, so the
  body is matched against the two sentences the alert texts have always used;
- a session closed with ``ended-while-monitor-down`` ended, unseen, while the monitor
  was down: its ``ended_at`` is the last instant the monitor saw it (a stop time when
  the monitor crashed without a "stopped" alert);
- the heartbeat ``meta.last_seen`` (``Register.last_seen()``) is overwritten every
  half minute: when it is stale, the monitor is not running now, since then.

A "started" with neither a "stopped" nor a last-seen session before it is a restart
after a crash or power cut whose stop time the register does not know: it is marked
as a restart only. Acknowledgements are read from the ``buzzer`` transitions the
engine records for each one ("acknowledged by WHO via SOURCE").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from monitor.domain.enums import AlertKind, EndReason, Entity, OutboxState
from monitor.domain.media import MediaObserved
from monitor.domain.model import Session, Transition, WorkReport
from monitor.errors import ChainBroken
from monitor.printout.records import (
    AckSeen,
    AlertSeen,
    ChainCheck,
    Connection,
    Downtime,
    Month,
    month_bounds,
)

# The sentences of a monitor alert's body that say it started or stopped, in every
# language the register may hold (bodies are kept verbatim, so old registers keep them).
STARTED_MARKS = ("監視を開始しました。", "Monitoring started.")
STOPPED_MARKS = ("監視を停止しました。", "Monitoring stopped.")
# A heartbeat older than this means the monitor is not running (it beats every 30 s).
STALE_HEARTBEAT = timedelta(minutes=10)
_ACK_REASON = re.compile(r"^acknowledged by (?P<by>.*) via (?P<source>.+)$")


class OutboxEntry(Protocol):
    """One outbox row, as ``Register.outbox()`` and ``alerts_for()`` return them."""

    kind: AlertKind
    reminder: int
    session_id: str | None
    body: str
    created_at: datetime
    delivered_at: datetime | None

    @property
    def state(self) -> OutboxState: ...


class RegisterReader(Protocol):
    """The read-only part of ``monitor.register.Register`` this package uses."""

    def sessions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[Session]: ...

    def outbox(self, include_delivered: bool = False) -> list[Any]: ...

    def transitions(self) -> list[Transition]: ...

    def last_seen(self) -> datetime | None: ...

    def work_reports_for(self, session_ids: list[str]) -> dict[str, WorkReport]: ...

    def head(self) -> tuple[int, str]: ...

    def verify(self, anchor: tuple[int, str] | None = None) -> int: ...

    def verify_period(self, since: datetime, until: datetime | None = None) -> tuple[int, int]: ...


def check_chain(
    reg: RegisterReader, since: datetime | None = None, until: datetime | None = None
) -> ChainCheck:
    """Return the head and the verify result (a broken chain is a result, not an error):
    of the whole register, or with ``since`` of the part a printout of the sessions
    that started in [since, until) rests on (``Register.verify_period``)."""
    seq, head = reg.head()
    try:
        if since is None:
            first, count = 1, reg.verify()
        else:
            first, count = reg.verify_period(since, until)
    except ChainBroken as exc:
        return ChainCheck(seq, head, None, exc.record, exc.reason)
    return ChainCheck(seq, head, count, first=first)


@dataclass(frozen=True)
class RegisterView:
    """The whole register read once; ``month()`` cuts out one month."""

    sessions: tuple[Session, ...]
    outbox: tuple[OutboxEntry, ...]
    acks: tuple[AckSeen, ...]
    downtimes: tuple[Downtime, ...]
    now: datetime
    zone: tzinfo
    media: tuple[MediaObserved, ...] = ()
    reports: dict[str, WorkReport] = field(default_factory=dict)

    def month(self, year: int, month: int) -> Month:
        """Return ``month``: the sessions that started in it or were still open at its
        start (numbered from 1, oldest first) and the downtimes inside it."""
        start, end = month_bounds(year, month, self.zone)
        chosen = [
            s for s in self.sessions if s.started_at < end and (s.ended_at or self.now) > start
        ]
        connections = tuple(
            Connection(n, s, _alerts_of(s, self.outbox), self._acks_in(s), self.reports.get(s.id))
            for n, s in enumerate(chosen, start=1)
        )
        downs = tuple(d for d in (_clip(d, start, end) for d in self.downtimes) if d)
        media = tuple(e for e in self.media if start <= e.at < end)
        return Month(year, month, start, end, connections, downs, media)

    def _acks_in(self, s: Session) -> tuple[AckSeen, ...]:
        last = s.ended_at or self.now
        return tuple(a for a in self.acks if s.started_at <= a.at <= last)


def read_register(reg: RegisterReader, zone: tzinfo, now: datetime) -> RegisterView:
    """Return every session, alert, acknowledgement and monitor downtime of ``reg``."""
    sessions = tuple(reg.sessions())
    outbox = tuple(reg.outbox(include_delivered=True))
    acks = tuple(_acks(reg.transitions()))
    downs = monitor_downtimes(outbox, sessions, reg.last_seen(), now)
    # A reader without media records (a test's, an older register API) has none.
    read_media = getattr(reg, "media_events", None)
    media = tuple(read_media()) if callable(read_media) else ()
    reports = reg.work_reports_for([s.id for s in sessions])
    return RegisterView(sessions, outbox, acks, tuple(downs), now, zone, media, reports)


def _acks(transitions: list[Transition]) -> list[AckSeen]:
    out = []
    for t in transitions:
        if t.entity != Entity.BUZZER or t.new != "silenced":
            continue
        m = _ACK_REASON.match(t.reason)
        if m:
            out.append(AckSeen(t.at, m["by"], m["source"]))
    return out


def _alerts_of(s: Session, outbox: tuple[OutboxEntry, ...]) -> tuple[AlertSeen, ...]:
    """Return the alerts a session raised, in order, with their delivery (an alert the
    session recorded but the outbox never got has ``state=None``)."""
    rows = {(r.kind, r.reminder): r for r in outbox if r.session_id == s.id}
    seen = [(a.kind, a.reminder, a.at) for a in s.alerts]
    seen += [
        (k, n, r.created_at)
        for (k, n), r in rows.items()
        if (k, n) not in {(a.kind, a.reminder) for a in s.alerts}
    ]
    out = []
    for kind, reminder, at in sorted(seen, key=lambda x: x[2]):
        row = rows.get((kind, reminder))
        out.append(
            AlertSeen(
                kind, reminder, at, row.state if row else None, row.delivered_at if row else None
            )
        )
    return tuple(out)


def _monitor_events(
    outbox: tuple[OutboxEntry, ...], sessions: tuple[Session, ...]
) -> list[tuple[datetime, str]]:
    events = []
    for r in outbox:
        if r.kind != AlertKind.MONITOR:
            continue
        if any(m in r.body for m in STARTED_MARKS):
            events.append((r.created_at, "started"))
        elif any(m in r.body for m in STOPPED_MARKS):
            events.append((r.created_at, "stopped"))
    events += [
        (s.ended_at, "last-seen")
        for s in sessions
        if s.end_reason == EndReason.RECOVERED and s.ended_at is not None
    ]
    return sorted(events)


def monitor_downtimes(
    outbox: tuple[OutboxEntry, ...],
    sessions: tuple[Session, ...],
    heartbeat: datetime | None,
    now: datetime,
) -> list[Downtime]:
    """Return the stretches in which the monitor was not running, oldest first (see the
    module docstring for what each record means)."""
    out: list[Downtime] = []
    down_from: datetime | None = None  # a clean stop or the last sign of life
    started = False
    for at, what in _monitor_events(outbox, sessions):
        if what in ("stopped", "last-seen"):
            down_from = down_from or at  # the earliest sign of the stop counts
        elif down_from is not None:
            out.append(Downtime(down_from, at))
            down_from = None
        elif started:
            out.append(Downtime(at, at, start_known=False))
        started = started or what == "started"
    if down_from is not None:
        out.append(Downtime(down_from, now, ongoing=True))
    elif started and heartbeat is not None and now - heartbeat > STALE_HEARTBEAT:
        out.append(Downtime(heartbeat, now, ongoing=True))
    return out


def _clip(d: Downtime, start: datetime, end: datetime) -> Downtime | None:
    """Return the part of ``d`` inside [start, end), or None."""
    if not d.start_known:
        return d if start <= d.end < end else None
    if d.end <= start or d.start >= end:
        return None
    return replace(d, start=max(d.start, start), end=min(d.end, end))
