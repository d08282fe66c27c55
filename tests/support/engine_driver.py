"""Drive the real policy engine the way the daemon does: feed inputs at given instants
and deliver a ``Tick`` at every ``wake_at`` the engine asks for in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.compat import UTC, fromisoformat
from monitor.config import Config, parse_config_text
from monitor.domain.enums import AlertKind, Purpose
from monitor.domain.events import (
    Acknowledged,
    AlertRaised,
    Effect,
    Input,
    PermitGranted,
    Restored,
    SessionClosed,
    SessionOpened,
    Synced,
    Tick,
)
from monitor.domain.model import Alert, LinkObserved, Permit, Session
from monitor.engine import Engine, EngineState, Step
from monitor.jobs import local_holidays
from monitor.schedule import Schedule

TOKYO = ZoneInfo("Asia/Tokyo")

# A week without national holidays: clinic on Sundays 17:00-22:00, maintenance on
# weekdays 08:30-17:15, everything else off-hours. 2026-06-07 is a Sunday.
BASE_TOML = """
timezone = "Asia/Tokyo"
[calendar]
country = ""
closed = []
[[clinic]]
days = ["sun"]
hours = "17:00-22:00"
[[maintenance]]
days = ["weekday"]
hours = "08:30-17:15"
[limits]
max_session = "{max_session}"
remind_every = "{remind_every}"
require_permit = {require_permit}
permit_extends = {permit_extends}
[link]
interfaces = ["eth*", "usb*"]
ignore = ["lo"]
settle = "{settle}"
"""


def schedule_of(config: Config) -> Schedule:
    """Return the schedule of ``config`` with its holidays computed in this process."""
    return Schedule(config, holidays=local_holidays(config))


def make_config(
    *,
    require_permit=False,
    permit_extends=False,
    settle="2s",
    max_session="2h",
    remind_every="30m",
) -> Config:
    """Return a real validated Config with the test week's rules."""
    text = BASE_TOML.format(
        require_permit=str(require_permit).lower(),
        permit_extends=str(permit_extends).lower(),
        settle=settle,
        max_session=max_session,
        remind_every=remind_every,
    )
    return parse_config_text(text, "<test>")


def jst(text: str) -> datetime:
    """Return the aware instant of local Tokyo time ``"2026-06-08 10:00[:ss]"``."""
    return fromisoformat(text).replace(tzinfo=TOKYO)


def link(name: str, online: bool, t: datetime, *, present: bool = True) -> LinkObserved:
    return LinkObserved(
        interface=name,
        index=abs(hash(name)) % 1000 + 2,
        online=online,
        carrier=online,
        operstate="up" if online else "down",
        admin_up=True,
        at=t.astimezone(UTC),
        present=present,
    )


def permit(granted_at: datetime, expected=timedelta(hours=1), pid: int = 1) -> Permit:
    return Permit(
        purpose=Purpose.FEE_UPDATE,
        company="レセコン保守株式会社",
        staff="山田",
        expected=expected,
        granted_by="kenko",
        granted_at=granted_at.astimezone(UTC),
        id=pid,
    )


@dataclass
class Record:
    """One step as the daemon saw it."""

    at: datetime
    event: Input
    step: Step


@dataclass
class Driver:
    """The engine plus a log of every step; ``advance`` delivers the ticks it asked for."""

    config: Config
    engine: Engine = field(init=False)
    state: EngineState = field(init=False)
    wake_at: datetime | None = None
    log: list[Record] = field(default_factory=list)
    now: datetime | None = None
    restarts: list[int] = field(default_factory=list)  # index in `log` of each restart

    def __post_init__(self):
        self.engine = Engine(self.config, schedule_of(self.config))
        self.state = self.engine.initial()

    def feed(self, event: Input, t: datetime) -> Step:
        """Deliver every wake-up due before ``t``, then ``event`` at ``t``."""
        self.advance(t, inclusive=False)
        return self.deliver(event, t)

    def deliver(self, event: Input, t: datetime) -> Step:
        step = self.engine.step(self.state, event, t)
        self.state = step.state
        self.wake_at = step.wake_at
        self.now = t
        self.log.append(Record(t, event, step))
        return step

    def advance(self, until: datetime, *, inclusive: bool = True) -> None:
        """Deliver a Tick at every wake-up the engine asks for up to ``until``."""
        while self.wake_at is not None and (
            self.wake_at < until or (inclusive and self.wake_at == until)
        ):
            self.deliver(Tick(), self.wake_at)

    # -------------------------------------------------------------- shorthands

    def restart(self, t: datetime) -> None:
        """Do what the daemon does after a restart at ``t``: a fresh state, the permits
        granted and not yet used, the open session as the register last recorded it,
        the link dump, then ``Synced``."""
        self.advance(t)
        recorded = self.recorded_sessions()
        open_id = self.state.session.id if self.state.session else None
        links = sorted(self.state.online)
        permits = self.state.pending_permits
        self.restarts.append(len(self.log))
        self.state = self.engine.initial()
        self.wake_at = None
        for p in permits:
            self.deliver(PermitGranted(p), t)
        if open_id is not None:
            self.deliver(Restored(recorded[open_id], last_seen=t), t)
        for name in links:
            self.deliver(link(name, True, t), t)
        self.deliver(Synced(), t)

    def recorded_sessions(self) -> dict[str, Session]:
        """Return the last snapshot of every session the effects announced, by id:
        what the register would hold."""
        out: dict[str, Session] = {}
        for e in self.effects:
            s = getattr(e, "session", None) or getattr(getattr(e, "alert", None), "session", None)
            if isinstance(e, AlertRaised) and e.alert.kind is AlertKind.RESOLVED:
                continue  # the same snapshot SessionClosed carried
            if s is not None:
                out[s.id] = s
        return out

    def up(self, name: str, t: datetime) -> Step:
        return self.feed(link(name, True, t), t)

    def down(self, name: str, t: datetime) -> Step:
        return self.feed(link(name, False, t), t)

    def ack(self, t: datetime, by: str = "kenko") -> Step:
        return self.feed(Acknowledged(by=by, source="cli"), t)

    def grant(self, p: Permit, t: datetime) -> Step:
        return self.feed(PermitGranted(p), t)

    # -------------------------------------------------------------- what happened

    @property
    def effects(self) -> list[Effect]:
        return [e for r in self.log for e in r.step.effects]

    def of(self, kind: type) -> list:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def alerts(self) -> list[Alert]:
        return [e.alert for e in self.of(AlertRaised)]

    def alert_keys(self) -> list[tuple[AlertKind, int, datetime]]:
        """Return (kind, reminder, local time) of every alert raised, in order."""
        return [(a.kind, a.reminder, a.at.astimezone(TOKYO)) for a in self.alerts]

    @property
    def opened(self) -> list[Session]:
        return [e.session for e in self.of(SessionOpened)]

    @property
    def closed(self) -> list[Session]:
        return [e.session for e in self.of(SessionClosed)]
