"""What each engine input does to the step's working state."""

from __future__ import annotations

from dataclasses import replace

from monitor.domain.enums import BuzzerState, EndReason, Entity, MachineState, Pattern
from monitor.domain.events import (
    Acknowledged,
    Input,
    LinkChanged,
    PermitCancelled,
    PermitGranted,
    Restored,
    Synced,
    Tick,
)
from monitor.domain.media import MediaObserved
from monitor.domain.model import LinkObserved, Permit
from monitor.engine.media import observe as observe_media
from monitor.engine.pattern import pattern_now
from monitor.engine.periods import touch_period, walk_periods
from monitor.engine.sessions import close_session, open_session
from monitor.engine.work import Work


def apply_input(work: Work, event: Input) -> None:
    """Apply one input; raise TypeError if ``event`` is not an engine input."""
    if isinstance(event, LinkObserved):
        link(work, event)
    elif isinstance(event, Tick):
        pass
    elif isinstance(event, PermitGranted):
        permit(work, event.permit)
    elif isinstance(event, PermitCancelled):
        cancel(work, event.permit_id)
    elif isinstance(event, Acknowledged):
        acknowledge(work, event)
    elif isinstance(event, Restored):
        restore(work, event)
    elif isinstance(event, Synced):
        sync(work)
    elif isinstance(event, MediaObserved):
        observe_media(work, event)
    else:
        raise TypeError(f"not an engine input: {event!r}")


def _machine_changed(work: Work, name: str, up: bool, how: str) -> None:
    if up:
        old, new = MachineState.OFFLINE, MachineState.ONLINE
    else:
        old, new = MachineState.ONLINE, MachineState.OFFLINE
    work.transition(Entity.MACHINE, old, new, f"{name} {how}")


def link(work: Work, obs: LinkObserved) -> None:
    """A watched interface's state: only a change of its online state counts."""
    name = obs.interface
    # The watcher filters already; a reload may have narrowed the patterns since.
    if not work.config.link.watches(name):
        return
    up = obs.online and obs.present
    if up == (name in work.online):
        return  # several RTM_NEWLINK per transition: only a change is an event
    work.effects.append(LinkChanged(obs))
    was_online = bool(work.online)
    work.online = work.online | {name} if up else work.online - {name}
    how = "up" if up else ("removed" if not obs.present else "down")
    if bool(work.online) != was_online:
        _machine_changed(work, name, up, how)
    if not up:
        if not work.online and work.session is not None:
            work.last_down = work.now
        return
    if work.session is None:
        open_session(work, name)
        return
    if name not in work.session.interfaces:
        work.change(interfaces=work.session.interfaces | {name}, why=f"{name} up")
    if not was_online:
        _back_online(work)


def _back_online(work: Work) -> None:
    """The open session's first link is up again after all were down."""
    work.last_down = None
    if work.restored and work.periods_until is not None:
        walk_periods(work)  # the monitor was down: assume the link stayed up
    else:
        touch_period(work, work.period_now().period)
    work.periods_until = work.now


def permit(work: Work, granted: Permit) -> None:
    """Link ``granted`` to the open session if it has none, else keep it pending."""
    if work.now >= granted.granted_at + granted.expected:
        return  # expired before it arrived: nothing to link
    s = work.session
    if granted in work.pending or (s is not None and s.permit == granted):
        return
    if s is not None and s.permit is None and granted.valid_at(work.now):
        work.change(permit=granted, why="permit linked")
    else:
        work.pending = work.pending + (granted,)


def cancel(work: Work, permit_id: int) -> None:
    """Drop a withdrawn permit: from the waiting ones, and from the open session (which is
    then judged as having none)."""
    work.pending = tuple(p for p in work.pending if p.id != permit_id)
    s = work.session
    if s is not None and s.permit is not None and s.permit.id == permit_id:
        work.change(permit=None, why=f"permit {permit_id} cancelled")


def acknowledge(work: Work, ack: Acknowledged) -> None:
    """Silence the alarm for the rest of the session: the one sounding, and every one
    the session raises later (a member of staff who heard the lamp click and pressed
    at once, inside ``link.settle``). Once per session; nothing when no session is
    online (then there is nothing to silence)."""
    if work.acked or work.session is None or not work.online:
        return
    sounding = pattern_now(work)[0] is Pattern.ALARM
    if work.silenced and sounding:
        return  # silenced already (a restored session keeps its acknowledgement)
    work.acked = True
    work.silenced = True
    who = ack.by or "someone"
    work.ack_reason = f"acknowledged by {who} via {ack.source}"
    old = BuzzerState.SOUNDING if sounding else None
    work.transition(Entity.BUZZER, old, BuzzerState.SILENCED, work.ack_reason)


def restore(work: Work, event: Restored) -> None:
    """Follow a session found open in the register after a restart."""
    if work.session is not None or event.session.ended_at is not None:
        return  # the engine already follows a session: keep it
    work.session = replace(event.session, last_seen=event.last_seen)
    work.reported = work.session.worst
    work.last_down = None
    work.periods_until = event.last_seen
    work.restored = True
    work.settled = False  # settles again once a link is seen up
    work.acked = event.acked  # an acknowledgement holds for the session, restarts too
    work.silenced = event.acked
    if work.synced and not work.online:
        close_session(work, EndReason.RECOVERED, event.last_seen)


def sync(work: Work) -> None:
    """The link table is known: a restored session with no link online ended meanwhile."""
    work.synced = True
    if work.restored:
        work.restored = False
        s = work.session
        if s is not None and not work.online:
            close_session(work, EndReason.RECOVERED, s.last_seen or s.started_at)
