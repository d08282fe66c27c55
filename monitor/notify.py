"""COMPAT (issue 11): the old home of alert rendering, sending and the outbox worker.

Everything moved to ``monitor.alerts`` (and the texts to ``monitor/texts/alerts.py``).
These re-exports keep ``daemon.py``, ``cli.py`` and ``report.py`` running until the
lead moves them to the new names; then this module is deleted.
"""

from __future__ import annotations

from monitor.alerts.outbox import LEASE, PACE, OutboxWorker, backoff
from monitor.alerts.redact import redact
from monitor.alerts.render import LANGUAGES, machine_name, render, render_test
from monitor.alerts.sender import Sender, build_sender, is_permanent, send_test
from monitor.domain.delivery import NO_DESTINATION, Delivery
from monitor.texts import alerts as _texts

TEXTS: dict[str, dict[str, str]] = {"ja": _texts.JA, "en": _texts.EN}

__all__ = [
    "LANGUAGES",
    "LEASE",
    "NO_DESTINATION",
    "PACE",
    "TEXTS",
    "Delivery",
    "OutboxWorker",
    "Sender",
    "backoff",
    "build_sender",
    "is_permanent",
    "machine_name",
    "redact",
    "render",
    "render_test",
    "send_test",
]
