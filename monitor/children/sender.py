"""``ChildSender``: the alert sender of the daemon, every send in a new child process
(``build_sender(alerts_config).deliver(...)`` there), so that apprise is never
imported into the daemon."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from typing import Any

from monitor.children.runner import DELIVER_TIMEOUT, Popen, reply, spawn
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
    ``kill()`` (from any thread) ends a send in progress, e.g. when the daemon stops."""

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
                proc = spawn(request)
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

    def kill(self) -> None:
        """End every send in progress (its alert stays in the outbox and is retried
        after a restart) and refuse new ones."""
        with self._lock:
            self._killed = True
            for proc in self._running:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
