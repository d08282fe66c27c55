"""The outbox worker: drains the register's outbox through a sender, write-ahead,
retried with backoff, never dropped.

    OutboxWorker(register, alerts_config, *, clock=None, sender=None, ...)
        enqueue(alert)   render, write the outbox row (before anything is sent), kick
        kick()           a new row: look now
        link_up()        a watched link came up: retry everything now
        async run()      until cancelled: claim due rows, send, record, back off
        status() -> dict
    backoff(attempts, first, cap) -> timedelta

The sender is anything with ``Sender``'s interface (``Transport`` below): the
apprise one of ``monitor.alerts.sender`` or the daemon's
``monitor.children.sender.ChildSender``, which sends from a child process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from monitor.alerts.render import machine_name, render
from monitor.alerts.sender import build_sender
from monitor.compat import UTC
from monitor.domain.delivery import Delivery
from monitor.domain.enums import AlertKind
from monitor.domain.model import Alert
from monitor.errors import NotifyError

log = logging.getLogger(__name__)


class Transport(Protocol):
    """What the worker needs of a sender (``Sender``, ``ChildSender``)."""

    loaded: bool
    problems: list[tuple[str, str]]

    @property
    def services(self) -> Sequence[Any]: ...

    def deliver(
        self, title: str, body: str, *, severity: str = ..., skip: Iterable[int] = ...
    ) -> list[Delivery]: ...


Clock = Callable[[], datetime]

# How long a claimed row stays ours. Longer than any one send (apprise's SMTP
# connect timeout is 15 s per service); a worker killed mid-send leaves the row to
# be claimed again after this.
LEASE = timedelta(minutes=2)
# Spacing between two sends, in place of apprise's 5.5 s per-plugin sleep: the
# first alert of a burst leaves at once, the rest follow without flooding a relay.
PACE = timedelta(seconds=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def backoff(attempts: int, first: timedelta, cap: timedelta) -> timedelta:
    """Return the wait after the ``attempts``-th failed attempt (1, 2, ...):
    ``first``, then doubling, never more than ``cap``."""
    if attempts < 1:
        return timedelta(0)
    return min(first * (2 ** min(attempts - 1, 30)), cap)


class OutboxWorker:
    """Drains the register's outbox through apprise: write-ahead, retried, never dropped.

    Every register call happens on the event loop; only the (blocking) send runs in
    a thread. A delivery attempt is recorded with its result, error text and
    duration. A transient failure is retried after ``alerts.retry_first``, doubling
    up to ``alerts.retry_max``; a permanent one (see ``is_permanent``) is kept as
    failed and shown by ``status()``. With several destinations, one that already
    accepted an alert is not sent it again on a retry (remembered in memory: after
    a restart a retry goes to every destination).
    """

    def __init__(
        self,
        register,
        alerts_config,
        *,
        clock: Clock | None = None,
        sender: Transport | None = None,
        language: str | None = None,
        machine: str | None = None,
        zone: str | tzinfo = "Asia/Tokyo",
        remind_every: timedelta | None = None,
        pace: timedelta = PACE,
        lease: timedelta = LEASE,
    ):
        """``clock`` returns the aware wall-clock time (default: now in UTC); ``sender``
        defaults to ``build_sender(alerts_config)``; ``language`` and ``machine``
        default to ``alerts.language`` and ``alerts.machine`` (or the host name)."""
        self._register = register
        self._alerts = alerts_config
        self._clock = clock or _utcnow
        # Built on first use, in the send thread: importing apprise and its plugins
        # costs ~20-36 MB of RSS, which an idle daemon that never sends need not pay.
        self._sender = sender
        self._sender_lock = threading.Lock()
        self.language = language or alerts_config.language
        self.machine = machine or machine_name(alerts_config)
        self.zone = zone
        self.remind_every = remind_every
        self._pace = pace.total_seconds()
        self._lease = lease
        self._wake: asyncio.Event | None = None
        self._kicked = False
        self._last_send: float | None = None  # monotonic
        self._delivered_to: dict[int, set[int]] = {}  # alert id -> service indexes done
        self._last_delivery_at: datetime | None = None
        self._looked_up_last_delivery = False
        self._loop_error: str | None = None

    @property
    def sender(self) -> Transport:
        """Return the ``Sender``, building it (``build_sender``) on first use. Blocking
        (it may import apprise and read credential files): the worker calls it in its
        send thread."""
        with self._sender_lock:
            if self._sender is None:
                self._sender = build_sender(self._alerts)
            return self._sender

    def _deliver(self, title: str, body: str, severity: str, skip: set[int]) -> list[Delivery]:
        return self.sender.deliver(title, body, severity=severity, skip=skip)

    # ------------------------------------------------------------------ inputs

    def enqueue(self, alert: Alert) -> int | None:
        """Render ``alert``, write it to the outbox (before anything is sent) and look
        at once; return the row id, or None when the alert was already queued."""
        title, body = render(
            alert,
            language=self.language,
            machine=self.machine,
            zone=self.zone,
            remind_every=self.remind_every,
            contact=str(getattr(self._alerts, "contact", "") or ""),
            acks=self._acks_of(alert),
            head=self._head(alert),
        )
        alert_id = self._register.enqueue_alert(alert, title, body)
        self.kick()
        return alert_id

    def _acks_of(self, alert: Alert) -> list[Any]:
        """Return who silenced the alarm of the session a ``resolved`` alert closes
        (empty for other alerts, or when the register cannot say)."""
        if alert.kind != AlertKind.RESOLVED or alert.session is None:
            return []
        acks_for = getattr(self._register, "acks_for", None)
        if acks_for is None:
            return []
        try:
            return list(acks_for([alert.session.id]).get(alert.session.id, []))
        except Exception:  # noqa: BLE001 - the mail goes out without them, never not at all
            log.warning("outbox: cannot read the acknowledgements of %s", alert.session.id)
            return []

    def _head(self, alert: Alert) -> tuple[int, str] | None:
        """Return the register's head for a ``resolved`` or ``monitor`` alert (a witness
        of the register outside the PC), None for others or when it cannot be read."""
        if alert.kind not in (AlertKind.RESOLVED, AlertKind.MONITOR):
            return None
        head = getattr(self._register, "head", None)
        try:
            return head() if callable(head) else None
        except Exception:  # the alert must go out even then
            log.exception("cannot read the register's head for the alert")
            return None

    def kick(self) -> None:
        """A new row was written: look at the outbox now. Safe before ``run`` starts."""
        self._kicked = True
        if self._wake is not None:
            self._wake.set()

    def link_up(self) -> None:
        """A watched link came up, so mail can leave a normally offline PC: make every
        waiting alert due now and look at once."""
        self._register.retry_all_now(self._clock())
        self.kick()

    # -------------------------------------------------------------------- loop

    async def run(self) -> None:
        """Deliver due alerts until cancelled; sleep until the next one is due or a
        ``kick``. A failing register call is logged and retried after a pause: it
        never ends the loop."""
        self._wake = asyncio.Event()
        if self._kicked:
            self._wake.set()
        pause = self._alerts.retry_first
        while True:
            self._wake.clear()
            self._kicked = False
            try:
                if await self._deliver_one():
                    pause = self._alerts.retry_first
                    continue
                delay = self._seconds_to_next_due()
                self._loop_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad round must not end delivery for good
                first = self._loop_error is None  # a traceback once per episode, not per round
                self._loop_error = f"{type(exc).__name__}: {exc}"
                delay = pause.total_seconds()
                log.error(
                    "outbox worker round failed (%s); trying again in %.0fs",
                    self._loop_error,
                    delay,
                    exc_info=first,
                )
                pause = min(pause * 2, self._alerts.retry_max)
            await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        """Return after ``delay`` seconds or at a ``kick``, whichever comes first; a
        cancellation always propagates.

        ``asyncio.wait`` on a task rather than ``asyncio.wait_for``: on Python 3.11,
        ``wait_for`` swallows a cancellation that arrives just as the awaited event
        is set (a ``kick`` racing a stop), so the worker would run on; and
        ``asyncio.timeout`` does not exist on 3.10."""
        assert self._wake is not None
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((waiter,), timeout=delay)
        finally:
            waiter.cancel()

    def _seconds_to_next_due(self) -> float:
        """Return how long to sleep: until the earliest retry or lease end among waiting
        rows, at most ``retry_max`` (a guard against wall-clock jumps)."""
        now = self._clock()
        cap = self._alerts.retry_max.total_seconds()
        due = []
        for row in self._register.outbox():
            if row.permanent_failure or row.delivered_at is not None:
                continue
            at = row.next_attempt_at or now
            if row.claimed_until is not None and row.claimed_until > at:
                at = row.claimed_until
            due.append(at)
        if not due:
            return cap
        return max(0.0, min(cap, (min(due) - now).total_seconds()))

    async def _deliver_one(self) -> bool:
        """Claim one due row and attempt it; return False when none was due."""
        rows = self._register.claim_due_alerts(self._clock(), 1, lease=self._lease)
        if not rows:
            return False
        for row in rows:
            await self._attempt(row)
        return True

    async def _attempt(self, row) -> None:
        if self._last_send is not None:
            wait = self._last_send + self._pace - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        done = self._delivered_to.get(row.id, set())
        started_at = self._clock()
        t0 = time.monotonic()
        failure: NotifyError | None = None
        deliveries: list[Delivery] = []
        try:
            deliveries = await asyncio.to_thread(
                self._deliver, row.title, row.body, row.severity, done
            )
        except NotifyError as exc:
            failure = exc
        except Exception as exc:  # an apprise bug must not lose the alert: retry it
            log.exception("sending alert %s", row.id)
            failure = NotifyError(f"{type(exc).__name__}: {exc}", permanent=False)
        duration = time.monotonic() - t0
        self._last_send = time.monotonic()
        failed = [d for d in deliveries if not d.ok]
        if failure is None and not failed:
            self._delivered_to.pop(row.id, None)
            delivered_at = self._clock()
            self._register.record_attempt(
                row.id, True, None, duration, None, delivered_at, at=started_at
            )
            self._last_delivery_at = delivered_at
            log.info("alert %s delivered (%s) in %.2fs", row.id, row.title, duration)
            return
        if failure is not None:
            error, permanent = str(failure), failure.permanent
        else:
            error = "; ".join(f"{d.url}: {d.error}" for d in failed)
            permanent = all(d.permanent for d in failed)
            self._delivered_to[row.id] = done | {d.index for d in deliveries if d.ok}
        next_at = None
        if not permanent:
            next_at = self._clock() + backoff(
                row.attempts + 1, self._alerts.retry_first, self._alerts.retry_max
            )
        self._register.record_attempt(
            row.id, False, error, duration, next_at, None, permanent=permanent, at=started_at
        )
        if permanent:
            self._delivered_to.pop(row.id, None)
            log.error("alert %s failed permanently: %s", row.id, error)
        else:
            log.warning(
                "alert %s not delivered (attempt %d), retry at %s: %s",
                row.id,
                row.attempts + 1,
                _iso(next_at),
                error,
            )

    # ------------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        """Return a JSON-able health summary: ``pending``, ``failed`` (undelivered with a
        failed attempt), ``permanent`` (given up), ``last_error``, ``last_delivery_at``,
        ``oldest_pending_at``, ``destinations`` (count) and config ``problems``.

        Until the first send has built the sender (``sender_loaded`` false),
        ``destinations`` counts the configured sources (URLs, config file,
        credential) and ``problems`` is empty: status does not import apprise."""
        summary = dict(self._register.outbox_summary())
        if self._last_delivery_at is None and not self._looked_up_last_delivery:
            self._looked_up_last_delivery = True
            delivered = [
                r.delivered_at
                for r in self._register.outbox(include_delivered=True)
                if r.delivered_at is not None
            ]
            self._last_delivery_at = max(delivered, default=None)
        if self._loop_error and not summary.get("last_error"):
            summary["last_error"] = self._loop_error
        return {
            "pending": summary.get("pending", 0),
            "failed": summary.get("failed", 0),
            "permanent": summary.get("permanent", 0),
            "last_error": summary.get("last_error"),
            "last_delivery_at": _iso(self._last_delivery_at),
            "oldest_pending_at": _iso(summary.get("oldest_pending_at")),
            **self._sender_status(),
        }

    def _sender_status(self) -> dict[str, Any]:
        sender = self._sender
        if sender is None or not sender.loaded:
            a = self._alerts
            return {
                "destinations": len(a.urls) + (a.config is not None) + bool(a.credential),
                "problems": [],
                "sender_loaded": False,
            }
        return {
            "destinations": len(sender.services),
            "problems": [f"{src}: {msg}" for src, msg in sender.problems],
            "sender_loaded": True,
        }
