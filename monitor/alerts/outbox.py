"""The outbox worker: drains the register's outbox through a sender, write-ahead,
retried with backoff, never dropped.

    OutboxWorker(register, alerts_config, *, clock=None, sender=None, ...)
        enqueue(alert)   render, write the outbox row (before anything is sent), kick
        kick()           a new row: look now
        link_up()        a watched link came up: everything due now, claimed or not
        async run()      until cancelled: claim due rows, send, record, back off
        status() -> dict
    backoff(attempts, first, cap) -> timedelta

The sender (``Transport``): ``monitor.alerts.sender``'s apprise one, or the daemon's
``ChildSender`` (``monitor.children.sender``), a child process per send.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from monitor.alerts.claims import ORPHAN_POLL, Takeover, proc_alive
from monitor.alerts.due import DueTimes, backoff
from monitor.alerts.render import machine_name, render
from monitor.alerts.sender import build_sender
from monitor.alerts.transport import (
    Transport,
    record_accepted,
    register_head,
    sender_status,
    session_acks,
)
from monitor.compat import UTC
from monitor.domain.delivery import Delivery, Receipt, destination_keys
from monitor.domain.model import Alert
from monitor.domain.outbox import OutboxRow
from monitor.errors import NotifyError

log = logging.getLogger(__name__)


Clock = Callable[[], datetime]

# How long a claim holds against another process (a new daemon instance takes its
# predecessor's over at once); longer than a send (SMTP connect timeout: 15 s).
LEASE = timedelta(minutes=2)

# Spacing between the starts of two sends, in place of apprise's 5.5 s per-plugin
# sleep: the first alert of a burst leaves at once, the rest follow without flooding
# a relay (a critical one first).
PACE = timedelta(seconds=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


class OutboxWorker:
    """Drains the register's outbox through a sender: write-ahead, retried, never
    dropped, never sent twice.

    Every register call happens on the event loop; only the (blocking) send runs in
    a thread. Claims belong to this daemon ``instance``; at start the claims of a
    predecessor are taken over at once (after its send child, if one still runs,
    has ended: ``alive(pid)``). The sender gets a ``Receipt``: a send child records
    each destination that accepted, and the delivery, in the register itself, so a
    daemon killed meanwhile loses nothing and a retry (after a restart too) goes
    only to the destinations that have not accepted. Retry times and durations run
    on the ``monotonic`` clock (``DueTimes``). A transient failure is retried after
    ``alerts.retry_first``, doubling up to ``alerts.retry_max``; a permanent one
    (see ``is_permanent``) is kept as failed and shown by ``status()``.
    """

    def __init__(
        self,
        register,
        alerts_config,
        *,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sender: Transport | None = None,
        language: str | None = None,
        machine: str | None = None,
        zone: str | tzinfo = "Asia/Tokyo",
        remind_every: timedelta | None = None,
        pace: timedelta = PACE,
        lease: timedelta = LEASE,
        instance: str | None = None,
        alive: Callable[[int], bool] = proc_alive,
    ):
        """``clock`` returns the aware wall-clock time (default: now in UTC); ``sender``
        defaults to ``build_sender(alerts_config)``; ``language`` and ``machine``
        default to ``alerts.language`` and ``alerts.machine`` (or the host name);
        ``instance``: the daemon instance that claims (default: a new id)."""
        self._register = register
        self._alerts = alerts_config
        self._clock = clock or _utcnow
        self._monotonic = monotonic
        # Built on first use, in the send thread: importing apprise and its plugins
        # costs ~20-36 MB of RSS, which an idle daemon that never sends need not pay.
        self._sender = sender
        self._sender_lock = threading.Lock()
        self.language = language or alerts_config.language
        self.machine = machine or machine_name(alerts_config)
        self.zone = zone
        self.remind_every = remind_every
        self.instance = instance or f"{os.getpid()}-{secrets.token_hex(4)}"
        self._pace = pace.total_seconds()
        self._lease = lease
        self._due = DueTimes(monotonic, alerts_config.retry_first, alerts_config.retry_max)
        self._wake: asyncio.Event | None = None
        self._kicked = False
        self._last_send: float | None = None  # monotonic
        self._link_up_at: float | None = None  # monotonic
        self._takeover = Takeover(register, self.instance, self._clock, monotonic, alive)
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

    def _deliver(self, row: OutboxRow, receipt: Receipt) -> list[Delivery]:
        sender = self.sender
        keys = destination_keys(list(getattr(sender, "urls", None) or []))
        skip = {i for i, key in enumerate(keys) if key in receipt.accepted}
        return sender.deliver(
            row.title, row.body, severity=row.severity, skip=skip, receipt=receipt
        )

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
            acks=session_acks(self._register, alert),
            head=register_head(self._register, alert),
        )
        alert_id = self._register.enqueue_alert(alert, title, body)
        self.kick()
        return alert_id

    def kick(self) -> None:
        """A new row was written: look at the outbox now. Safe before ``run`` starts."""
        self._kicked = True
        if self._wake is not None:
            self._wake.set()

    def link_up(self) -> None:
        """A watched link came up, so mail can leave a normally offline PC: make every
        waiting alert due now, claimed or not (a predecessor's claim is taken over; an
        attempt of ours in flight is tried again at once if it fails) and look now."""
        now = self._clock()
        self._link_up_at = self._monotonic()
        self._register.retry_all_now(now)
        self._takeover.link_up(now)
        self._due.all_now()
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
                self._takeover.step()
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
        """Return after ``delay`` seconds or at a ``kick``; a cancellation always
        propagates (``asyncio.wait``: on 3.11 ``wait_for`` swallows a cancellation that
        comes just as the event is set, and ``asyncio.timeout`` is not on 3.10)."""
        assert self._wake is not None
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((waiter,), timeout=delay)
        finally:
            waiter.cancel()

    def _seconds_to_next_due(self) -> float:
        """Return how long to sleep: until the earliest retry among waiting rows (on
        the monotonic clock), at most ``retry_max``; briefly while a predecessor's
        send child runs."""
        cap = self._alerts.retry_max.total_seconds()
        if self._takeover.orphans:
            cap = ORPHAN_POLL
        left = self._due.seconds_to_next(skip=self._takeover.orphans)
        return cap if left is None else min(cap, left)

    async def _deliver_one(self) -> bool:
        """Claim one due row and attempt it; return False when none was due."""
        due = self._due_now()
        if due and self._last_send is not None:
            wait = self._last_send + self._pace - self._monotonic()
            if wait > 0:  # paced; then choose again: a critical alert may have come
                await asyncio.sleep(wait)
                due = self._due_now()
        now = self._clock()
        for id in due:
            if id in self._takeover.orphans:
                continue
            row = self._register.claim_alert(id, self.instance, now, self._lease)
            if row is not None:
                await self._attempt(row)
                return True
            self._due.retry_in(id, ORPHAN_POLL)  # another process holds it: look again
        return False

    def _due_now(self) -> list[int]:
        rows = self._register.outbox()
        self._due.sync(rows, self._clock())
        return self._due.ready(rows)

    async def _attempt(self, row: OutboxRow) -> None:
        self._last_send = self._monotonic()  # the pace runs from the start of a send
        receipt = Receipt(
            register=str(self._register.path),
            alert_id=row.id,
            owner=self.instance,
            accepted=frozenset(self._register.accepted_destinations(row.id)),
        )
        started_at = self._clock()
        t0 = self._monotonic()
        failure: NotifyError | None = None
        deliveries: list[Delivery] = []
        try:
            deliveries = await asyncio.to_thread(self._deliver, row, receipt)
        except NotifyError as exc:
            failure = exc
        except Exception as exc:  # an apprise bug must not lose the alert: retry it
            log.exception("sending alert %s", row.id)
            failure = NotifyError(f"{type(exc).__name__}: {exc}", permanent=False)
        duration = max(0.0, self._monotonic() - t0)
        record_accepted(self._register, self._sender, row.id, deliveries, started_at)
        failed = [d for d in deliveries if not d.ok]
        if failure is None and not failed:
            if self._register.complete_delivery(row.id, started_at, duration):
                log.info("alert %s delivered (%s) in %.2fs", row.id, row.title, duration)
            else:
                log.info("alert %s delivered (%s), recorded by its sender", row.id, row.title)
            self._last_delivery_at = started_at + timedelta(seconds=duration)
            return
        self._failed(row, failure, failed, duration, started_at, t0)

    def _failed(
        self,
        row: OutboxRow,
        failure: NotifyError | None,
        failed: list[Delivery],
        duration: float,
        started_at: datetime,
        t0: float,
    ) -> None:
        if failure is not None:
            error, permanent = str(failure), failure.permanent
        else:
            error = "; ".join(f"{d.url}: {d.error}" for d in failed)
            permanent = all(d.permanent for d in failed)
        next_at = None
        if not permanent:
            wait = backoff(row.attempts + 1, self._alerts.retry_first, self._alerts.retry_max)
            if self._link_up_at is not None and self._link_up_at >= t0:
                wait = timedelta(0)  # a link came up during the attempt: try again now
            self._due.retry_in(row.id, wait.total_seconds())
            next_at = self._clock() + wait
        self._register.record_attempt(
            row.id, False, error, duration, next_at, None, permanent=permanent, at=started_at
        )
        if permanent:
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
            "instance": self.instance,
            "waiting_for_children": {str(id): pid for id, pid in self._takeover.orphans.items()},
            "pending": summary.get("pending", 0),
            "failed": summary.get("failed", 0),
            "permanent": summary.get("permanent", 0),
            "last_error": summary.get("last_error"),
            "last_delivery_at": _iso(self._last_delivery_at),
            "oldest_pending_at": _iso(summary.get("oldest_pending_at")),
            **sender_status(self._sender, self._alerts),
        }
