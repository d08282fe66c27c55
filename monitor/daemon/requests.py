"""The control socket's requests: status, permit, cancel, report, ack, reload."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from monitor.compat import UTC
from monitor.control import (
    AckRequest,
    CancelRequest,
    Peer,
    PermitRequest,
    ReloadRequest,
    ReportRequest,
    StatusRequest,
)
from monitor.control.errors import Refused
from monitor.daemon.runtime import Runtime
from monitor.domain.durations import format_duration
from monitor.domain.enums import Purpose
from monitor.domain.events import Input, PermitCancelled, PermitGranted
from monitor.domain.model import Permit, Session, WorkReport
from monitor.errors import ControlError
from monitor.reports.views import permit_json

log = logging.getLogger("monitor.daemon")

#: How far back ``status`` and ``work-report`` look for sessions without a work report.
UNREPORTED_SINCE = timedelta(days=92)


def unreported_json(rt: Runtime, now: datetime) -> list[dict[str, Any]]:
    """Return the ended sessions of the last ``UNREPORTED_SINCE`` without a work report."""
    return [
        {
            "id": s.id,
            "started_at": s.started_at.isoformat(),
            "ended_at": s.ended_at.isoformat() if s.ended_at else None,
            "permit": permit_json(s.permit, UTC),
        }
        for s in rt.register.unreported(now - UNREPORTED_SINCE)
    ]


def deviations(session: Session, req: ReportRequest) -> tuple[str, ...]:
    """Return how the session and its report differ from the permit's plan (codes, in the
    order the texts list them): no permit, longer than planned, the staff said so."""
    found: list[str] = []
    permit = session.permit
    if permit is None:
        found.append("no-permit")
    elif session.ended_at is not None and session.duration() > permit.expected:
        found.append("longer")
    if permit is not None and permit.purpose is Purpose.OTHER:
        found.append("purpose-other")
    if not req.as_planned:
        found.append("not-as-planned")
    if req.personal_data:
        found.append("personal-data")
    if req.erased == "no":
        found.append("not-erased")
    return tuple(found)


def report_json(w: WorkReport) -> dict[str, Any]:
    """Return the JSON form of a work report (the reply and ``status``)."""
    return {
        "id": w.id,
        "session": w.session_id,
        "done": w.done,
        "personal_data": w.personal_data,
        "erased": w.erased,
        "as_planned": w.as_planned,
        "note": w.note,
        "deviations": list(w.deviations),
        "reported_by": w.reported_by,
        "reported_as": w.reported_as,
        "at": w.at.isoformat(),
    }


class Requests:
    """Answers control requests. ``acknowledge(by, source)`` silences the alarm and
    returns whether it did; ``reload(by=...)`` reloads the config; ``follow()`` is
    the first reply of a status stream (``follow: true``)."""

    def __init__(
        self,
        rt: Runtime,
        feed: Callable[[Input], None],
        status: Callable[[], dict[str, Any]],
        acknowledge: Callable[[str, str], bool],
        reload: Callable[..., Awaitable[dict[str, Any]]],
        follow: Callable[[], dict[str, Any]] | None = None,
    ):
        self._rt = rt
        self._feed = feed
        self._status = status
        self._acknowledge = acknowledge
        self._reload = reload
        self._follow = follow

    async def handle(self, request: Any, peer: Peer) -> dict[str, Any]:
        """Return the reply's fields; raise a ``MonitorError`` for an error reply."""
        if isinstance(request, StatusRequest):
            if request.follow and self._follow is not None:
                return self._follow()
            return self._status()
        if isinstance(request, PermitRequest):
            return self.grant(request, peer)
        if isinstance(request, CancelRequest):
            return self.cancel(request, peer)
        if isinstance(request, ReportRequest):
            return self.report(request, peer)
        if isinstance(request, AckRequest):
            silenced = self._acknowledge(peer.login, request.source)
            return {
                "silenced": silenced,
                "pattern": str(self._rt.state.pattern),
                "was_sounding": silenced,
            }
        if isinstance(request, ReloadRequest):
            return await self._reload(by=peer.login)
        raise ControlError(f"unsupported request {request!r}")

    def grant(self, req: PermitRequest, peer: Peer) -> dict[str, Any]:
        """Store the permit first (a reply means it is recorded), then tell the engine."""
        rt = self._rt
        permit = Permit(
            purpose=req.purpose,
            company=req.company,
            staff=req.staff,
            expected=req.expected,
            granted_by=peer.login,
            granted_at=rt.now(),
            note=req.note,
            after_the_fact=req.after_the_fact,
            attendant=req.attendant,
            granted_as=peer.acting_as,
        )
        permit = rt.register.add_permit(permit)  # RegisterError -> an error reply
        log.info(
            "permit %s granted by %s%s: %s, %s (%s) for %s",
            permit.id,
            peer.login,
            f" as {peer.acting_as}" if peer.acting_as else "",
            permit.purpose,
            permit.company,
            permit.staff,
            format_duration(permit.expected),
        )
        self._feed(PermitGranted(permit))
        s = rt.state.session
        linked = (
            s.id if s is not None and s.permit is not None and s.permit.id == permit.id else None
        )
        return {"permit": permit_json(permit, UTC), "session": linked}

    def _to_cancel(self, req: CancelRequest) -> Permit:
        """Return the permit a cancel request names: the given id, else the newest waiting
        one, else the open session's; raise ``Refused`` when there is none."""
        st = self._rt.state
        s = st.session
        if req.permit is None:
            if st.pending_permits:
                return st.pending_permits[-1]
            if s is not None and s.permit is not None:
                return s.permit
            raise Refused("cancel.none")
        permit = self._rt.register.permit(req.permit)
        if permit is None:
            raise Refused("cancel.unknown", permit=req.permit)
        if permit.cancelled_at is not None:
            raise Refused("cancel.done", permit=req.permit)
        waiting = any(p.id == permit.id for p in st.pending_permits)
        linked = s is not None and s.permit is not None and s.permit.id == permit.id
        if not (waiting or linked) and permit.valid_at(self._rt.now()):
            return permit  # valid, not yet fed (a restart race): withdraw it all the same
        if not (waiting or linked):
            raise Refused("cancel.over", permit=req.permit, session="-")
        return permit

    def cancel(self, req: CancelRequest, peer: Peer) -> dict[str, Any]:
        """Record the cancellation (the permit stays in the register), then tell the engine."""
        rt = self._rt
        permit = self._to_cancel(req)
        assert permit.id is not None
        s = rt.state.session
        linked = (
            s.id if s is not None and s.permit is not None and s.permit.id == permit.id else None
        )
        stored = rt.register.cancel_permit(permit.id, peer.login, rt.now())
        log.info("permit %s cancelled by %s", permit.id, peer.login)
        self._feed(PermitCancelled(permit.id))
        return {"permit": permit_json(stored, UTC), "session": linked}

    def _session_to_report(self, req: ReportRequest) -> Session:
        register = self._rt.register
        if req.session is None:
            waiting = register.unreported(self._rt.now() - UNREPORTED_SINCE, limit=1)
            if not waiting:
                raise Refused("report.none")
            return waiting[-1]
        session = register.session(req.session)
        if session is None:
            raise Refused("report.unknown", session=req.session)
        if session.ended_at is None:
            raise Refused("report.open", session=req.session)
        if register.work_reports_for([session.id]):
            raise Refused("report.already", session=req.session)
        return session

    def report(self, req: ReportRequest, peer: Peer) -> dict[str, Any]:
        """Record the work report of an ended session, checked against its permit."""
        session = self._session_to_report(req)
        stored = self._rt.register.add_work_report(
            WorkReport(
                session_id=session.id,
                done=req.done,
                personal_data=req.personal_data,
                erased=req.erased,
                as_planned=req.as_planned,
                note=req.note,
                reported_by=peer.login,
                reported_as=peer.acting_as,
                at=self._rt.now(),
                deviations=deviations(session, req),
            )
        )
        log.info("work report of %s recorded by %s", session.id, peer.login)
        permit = session.permit
        return {
            "report": report_json(stored),
            "session": {
                "id": session.id,
                "started_at": session.started_at.isoformat(),
                "ended_at": session.ended_at.isoformat() if session.ended_at else None,
                "duration_s": session.duration().total_seconds(),
                "permit": permit_json(permit, UTC),
            },
        }
