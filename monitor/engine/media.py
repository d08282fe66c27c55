"""The removable-media rules: what a ``MediaObserved`` does, and the checks of every step.

Rules (each on or off in ``[media]``), for media that count (``Medium.counts``: USB
mass storage or removable, with a size):

- ``media-online`` (rule イ; rule ア when the link is wireless): a medium is present
  while a watched link is online: the medium inserted while online, or the PC going
  online with a medium in. One alert per session and medium, at once (no settling:
  the data may leave in the first second). The lamp shows ``warn`` meanwhile
  (``alarm`` still wins during clinic hours).
- ``unregistered-media``: a medium inserted (or found at start) whose serial is not
  in the ledger, or only as retired. One alert per insertion.
- ``media-clinic-hours``: a medium inserted during clinic hours, unless its label is
  in ``clinic_hours_allowed`` (the backup stick). One alert per insertion.
- ``media-left-in``: a medium still in ``left_in_after`` after the end of a clinic
  period it was present in, unless its label is in ``left_in_allowed``. One alert
  per insertion.

Every insertion, removal and medium found at start that counts is a ``MediaChanged``
(the register's media events); a medium already known that the watcher reports
again as present (a new watcher after a failure) changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.domain.enums import AlertKind, Period, Severity
from monitor.domain.events import AlertRaised, MediaChanged
from monitor.domain.media import MediaAction, MediaObserved, MediaState, MediumPresent
from monitor.domain.model import Alert
from monitor.engine.work import Work

SEVERITY = {
    AlertKind.MEDIA_ONLINE: Severity.WARNING,
    AlertKind.UNREGISTERED_MEDIA: Severity.WARNING,
    AlertKind.MEDIA_CLINIC_HOURS: Severity.WARNING,
    AlertKind.MEDIA_LEFT_IN: Severity.WARNING,
}


def _label_in(observed: MediaObserved, labels: tuple[str, ...]) -> bool:
    reg = observed.registered
    return reg is not None and reg.active and reg.label in labels


def _raise(work: Work, kind: AlertKind, observed: MediaObserved, with_session: bool) -> None:
    detail = ""
    if kind is AlertKind.MEDIA_ONLINE:
        # Rule ア: say which of the links online now are wireless (``media.wireless``).
        wireless = sorted(n for n in work.online if work.config.media.is_wireless(n))
        detail = "wireless:" + ",".join(wireless) if wireless else ""
    alert = Alert(
        kind=kind,
        severity=SEVERITY[kind],
        at=work.now,
        session=work.session if with_session else None,
        period=work.period_now(),
        detail=detail,
        medium=observed,
    )
    work.effects.append(AlertRaised(alert))


def _set(work: Work, present: dict[str, MediumPresent], **fields: object) -> None:
    work.media = replace(work.media, present=tuple(present.items()), **fields)  # type: ignore[arg-type]


def observe(work: Work, event: MediaObserved) -> None:
    """Apply one media observation: record it, keep the present media, raise the
    insertion's alerts."""
    present = work.media.by_ident()
    if event.action is MediaAction.REMOVED:
        gone = [i for i, p in present.items() if p.observed.medium.device == event.medium.device]
        for ident in gone:
            known = present.pop(ident).observed
            work.effects.append(
                MediaChanged(replace(event, medium=known.medium, registered=known.registered))
            )
        if gone:
            _set(work, present)
        return
    medium = event.medium
    if not medium.counts or medium.ident in present:
        return
    work.effects.append(MediaChanged(event))
    present[medium.ident] = MediumPresent(event, since=work.now)
    _set(work, present)
    rules = work.config.media
    reg = event.registered
    if rules.unregistered and (reg is None or not reg.active):
        _raise(work, AlertKind.UNREGISTERED_MEDIA, event, False)
    if (
        rules.clinic_hours
        and event.action is MediaAction.INSERTED
        and work.period_now().period is Period.CLINIC
        and not _label_in(event, rules.clinic_hours_allowed)
    ):
        _raise(work, AlertKind.MEDIA_CLINIC_HOURS, event, False)


def check(work: Work) -> None:
    """Every step: the ``media-online`` and ``media-left-in`` rules over the media present."""
    _check_online(work)
    _check_left_in(work)


def _check_online(work: Work) -> None:
    s = work.session
    alerted = work.media.online_alerted
    if s is None:
        if alerted:
            work.media = replace(work.media, online_alerted=frozenset())
        return
    if not work.config.media.online or not work.online:
        return
    prefix = f"{s.id}/"
    kept = {k for k in alerted if k.startswith(prefix)}
    for ident, p in work.media.present:
        key = prefix + ident
        if key not in kept:
            kept.add(key)
            _raise(work, AlertKind.MEDIA_ONLINE, p.observed, True)
    if kept != alerted:
        work.media = replace(work.media, online_alerted=frozenset(kept))


def _check_left_in(work: Work) -> None:
    rules = work.config.media
    if not rules.left_in or not work.media.present:
        return
    info = work.period_now()
    present = work.media.by_ident()
    changed = False
    for ident, p in present.items():
        if p.left_in_reported or _label_in(p.observed, rules.left_in_allowed):
            continue
        if info.period is Period.CLINIC:
            if p.clinic_end != info.next_change:
                present[ident] = replace(p, clinic_end=info.next_change)
                changed = True
        elif p.clinic_end is not None and work.now >= p.clinic_end + rules.left_in_after:
            present[ident] = replace(p, left_in_reported=True)
            changed = True
            _raise(work, AlertKind.MEDIA_LEFT_IN, p.observed, False)
    if changed:
        _set(work, present)


def warn_reasons(work: Work) -> list[str]:
    """Return why the lamp should warn because of media (while online), or []."""
    if work.config.media.online and work.online and work.media.present:
        return ["removable medium present while online"]
    return []


def wake_at(work: Work) -> datetime | None:
    """Return the next instant the left-in rule needs a step, or None."""
    rules = work.config.media
    if not rules.left_in or not work.media.present:
        return None
    due = [work.period_now().next_change]
    for _, p in work.media.present:
        if p.clinic_end is not None and not p.left_in_reported:
            due.append(p.clinic_end + rules.left_in_after)
    future = [t for t in due if t > work.now]
    return min(future, default=None)


__all__ = ["MediaState", "check", "observe", "wake_at", "warn_reasons"]
