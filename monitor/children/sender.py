"""``ChildSender``: the alert sender of the daemon, every send in a new child process
(``build_sender(alerts_config).deliver(...)`` there), so that apprise is never
imported into the daemon."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from typing import Any

from monitor.children.runner import (
    DELIVER_TIMEOUT,
    Popen,
    hand_over,
    kill,
    let_go,
    reply,
    spawn,
    start_waiting,
)
from monitor.domain.delivery import NO_DESTINATION, Delivery, Receipt
from monitor.errors import NotifyError, OffloadError


class ChildSender:
    """``monitor.alerts.sender.Sender``'s interface, with every ``deliver`` done by a new child process
    (``build_sender(alerts_config).deliver(...)`` there), so that apprise is never
    imported into the daemon.

    ``services``, ``problems`` and ``urls`` describe what the last child found
    (destinations, and sources that gave none); ``loaded`` is False until a child
    has answered. The child reads ``alerts.config`` and the credential in
    ``$CREDENTIALS_DIRECTORY`` itself, at each send: a credential changed on disk
    is used from the next alert on. Blocking: call ``deliver`` in a thread;
    ``kill()`` (from any thread) ends a send in progress, e.g. when the daemon stops.

    ``warm()`` starts the child of the next send ahead (when a link comes up): it
    imports apprise and builds the services, then waits; the next ``deliver`` hands it
    the request instead of starting a child then. ``cool()`` lets it go unused."""

    def __init__(self, alerts_config: Any, *, timeout: float = DELIVER_TIMEOUT):
        self._request = {
            "urls": list(alerts_config.urls),
            "config": str(alerts_config.config) if alerts_config.config is not None else None,
            "credential": alerts_config.credential,
        }
        self._timeout = timeout
        self._lock = threading.Lock()
        self._running: set[Popen[bytes]] = set()
        self._killed = False
        self._warm: Popen[bytes] | None = None  # waiting for the next deliver
        self.loaded = False
        self.urls: list[str] = []
        self.problems: list[tuple[str, str]] = []

    @property
    def services(self) -> list[str]:
        return self.urls

    def deliver(
        self,
        title: str,
        body: str,
        *,
        severity: str = "warning",
        skip: Iterable[int] = (),
        receipt: Receipt | None = None,
    ) -> list[Delivery]:
        """Send one message through every destination not in ``skip``; return one
        ``Delivery`` per destination tried. Raise NotifyError: permanent when
        there is no destination, transient when the child failed (it is retried).

        With a ``receipt`` the child records in the register itself, as it goes,
        each destination that accepted and then the delivery, and sends nothing to
        a destination in ``receipt.accepted`` nor when the claim is no longer
        ``receipt.owner``'s (see ``monitor.jobs``): what a server accepted is on
        record even if this process is killed before the child answers. The child
        ends itself after ``timeout`` seconds even if nobody waits for it."""
        if not any(self._request.values()):  # nothing to start a child for
            self.loaded = True
            raise NotifyError(NO_DESTINATION, permanent=True)
        request: dict[str, Any] = {
            "op": "deliver",
            "alerts": self._request,
            "title": title,
            "body": body,
            "severity": str(severity),
            "skip": sorted(set(skip)),
            "limit_s": self._timeout,
        }
        if receipt is not None:
            request["receipt"] = {
                "register": receipt.register,
                "alert": receipt.alert_id,
                "owner": receipt.owner,
                "accepted": sorted(receipt.accepted),
            }
        try:
            with self._lock:
                if self._killed:
                    raise OffloadError("alert sender: stopping")
                proc, self._warm = self._warm, None
                if proc is None or not hand_over(proc, request):
                    proc = spawn(request)  # none waiting, or it had died: a cold start
                self._running.add(proc)
            try:
                answer = reply(proc, self._timeout, "alert sender")
            finally:
                with self._lock:
                    self._running.discard(proc)
        except OffloadError as exc:
            raise NotifyError(str(exc), permanent=False) from None
        self.loaded = True
        self.urls = list(answer.get("urls", []))
        self.problems = [(src, msg) for src, msg in answer.get("problems", [])]
        if "error" in answer:
            raise NotifyError(answer["error"], permanent=bool(answer.get("permanent")))
        try:
            return [
                Delivery(int(i), str(url), bool(ok), str(error), bool(permanent), float(elapsed))
                for i, url, ok, error, permanent, elapsed in answer["deliveries"]
            ]
        except (KeyError, TypeError, ValueError):
            raise NotifyError(
                f"alert sender: unexpected answer {str(answer)[:120]!r}", permanent=False
            ) from None

    def warm(self) -> None:
        """Start the child of the next send now, unless one waits already (or there is
        nothing to send to, or the sender is stopping). Blocking (it starts a
        process): call it in a thread. Raise OffloadError if the child cannot start."""
        with self._lock:
            if self._killed or not any(self._request.values()):
                return
            if self._warm is not None and self._warm.poll() is None:
                return
            old, self._warm = self._warm, start_waiting({"op": "warm", "alerts": self._request})
        if old is not None:
            let_go(old)  # it had ended by itself: reap it

    def cool(self) -> None:
        """Let the waiting child go unused (the link's alerts have gone). Blocking
        (it reaps the child): call it in a thread."""
        with self._lock:
            proc, self._warm = self._warm, None
        if proc is not None:
            let_go(proc)

    @property
    def warmed(self) -> bool:
        """True while a child waits for the next send."""
        return self._warm is not None

    def kill(self, grace: float = 0.0) -> None:
        """Refuse new sends, end the child waiting for the next one, and end every send
        in progress (its alert stays in the outbox and is retried after a restart),
        after letting it finish for up to ``grace`` seconds: a send killed after the
        server accepted and before the child recorded it would be sent again (the
        daemon's stop gives a few seconds; a send that hangs is still ended)."""
        with self._lock:
            self._killed = True
            running = list(self._running)
            waiting, self._warm = self._warm, None
        if waiting is not None:
            kill(waiting)  # it holds nothing yet: no need to let it finish its imports
        deadline = time.monotonic() + grace
        while any(proc.poll() is None for proc in running) and time.monotonic() < deadline:
            time.sleep(0.02)
        for proc in running:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
