"""What the outbox worker needs of a sender (``Transport``: ``monitor.alerts.sender``'s
apprise one, or the daemon's ``ChildSender``), and what ``status`` says about one."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from monitor.domain.delivery import Delivery, Receipt, destination_keys
from monitor.domain.enums import AlertKind
from monitor.domain.model import Alert

log = logging.getLogger("monitor.alerts.outbox")


class Transport(Protocol):
    """What the worker needs of a sender (``Sender``, ``ChildSender``)."""

    loaded: bool
    problems: list[tuple[str, str]]

    @property
    def services(self) -> Sequence[Any]: ...

    def deliver(
        self,
        title: str,
        body: str,
        *,
        severity: str = ...,
        skip: Iterable[int] = ...,
        receipt: Receipt | None = ...,
    ) -> list[Delivery]: ...


def sender_status(sender: Transport | None, alerts_config: Any) -> dict[str, Any]:
    """Return ``destinations``, ``problems`` and ``sender_loaded`` for ``status``. Until
    a send has built the sender, the configured sources are counted (URLs, config file,
    credential) and nothing is imported."""
    if sender is None or not sender.loaded:
        a = alerts_config
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


def register_head(register: Any, alert: Alert) -> tuple[int, str] | None:
    """Return the register's head for a ``resolved`` or ``monitor`` alert (a witness
    of the register outside the PC), None for others or when it cannot be read."""
    if alert.kind not in (AlertKind.RESOLVED, AlertKind.MONITOR):
        return None
    head = getattr(register, "head", None)
    try:
        return head() if callable(head) else None
    except Exception:  # the alert must go out even then
        log.exception("cannot read the register's head for the alert")
        return None


def record_accepted(
    register: Any, sender: Any, id: int, deliveries: list[Delivery], at: datetime
) -> None:
    """Record each destination that accepted alert ``id`` (a send child did already:
    then this is a no-op)."""
    keys = destination_keys(list(getattr(sender, "urls", None) or []))
    for d in deliveries:
        if d.ok:
            key = keys[d.index] if d.index < len(keys) else d.url
            register.record_destination(id, key, at, d.elapsed_s)


def session_acks(register: Any, alert: Alert) -> list[Any]:
    """Return who silenced the alarm of the session a ``resolved`` alert closes
    (empty for other alerts, or when the register cannot say)."""
    if alert.kind != AlertKind.RESOLVED or alert.session is None:
        return []
    acks_for = getattr(register, "acks_for", None)
    if acks_for is None:
        return []
    try:
        return list(acks_for([alert.session.id]).get(alert.session.id, []))
    except Exception:  # noqa: BLE001 - the mail goes out without them, never not at all
        log.warning("outbox: cannot read the acknowledgements of %s", alert.session.id)
        return []
