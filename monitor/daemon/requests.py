"""The control socket's requests: status, permit, ack, reload."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from monitor.compat import UTC
from monitor.control import AckRequest, Peer, PermitRequest, ReloadRequest, StatusRequest
from monitor.daemon.runtime import Runtime
from monitor.domain.durations import format_duration
from monitor.domain.events import Input, PermitGranted
from monitor.domain.model import Permit
from monitor.errors import ControlError
from monitor.reports.views import permit_json

log = logging.getLogger("monitor.daemon")


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
            return self.grant(request, peer.user)
        if isinstance(request, AckRequest):
            silenced = self._acknowledge(peer.user, request.source)
            return {
                "silenced": silenced,
                "pattern": str(self._rt.state.pattern),
                "was_sounding": silenced,
            }
        if isinstance(request, ReloadRequest):
            return await self._reload(by=peer.user)
        raise ControlError(f"unsupported request {request!r}")

    def grant(self, req: PermitRequest, user: str) -> dict[str, Any]:
        """Store the permit first (a reply means it is recorded), then tell the engine."""
        rt = self._rt
        permit = Permit(
            purpose=req.purpose,
            company=req.company,
            staff=req.staff,
            expected=req.expected,
            granted_by=user,
            granted_at=rt.now(),
            note=req.note,
            after_the_fact=req.after_the_fact,
        )
        permit = rt.register.add_permit(permit)  # RegisterError -> an error reply
        log.info(
            "permit %s granted by %s: %s, %s (%s) for %s",
            permit.id,
            user,
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
