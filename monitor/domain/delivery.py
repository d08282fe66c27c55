"""The outcome of sending one alert through one destination: shared by the sender that
runs apprise (``monitor.alerts.sender``) and the one that runs it in a child process
(``monitor.children.sender``), read by the outbox worker."""

from __future__ import annotations

from dataclasses import dataclass

# The failure when no source gives a destination (permanent: a retry cannot help).
NO_DESTINATION = "no alert destination configured (alerts.urls, alerts.config, alerts.credential)"


@dataclass(frozen=True)
class Delivery:
    """The outcome of sending one message through one configured service."""

    index: int  # position in Sender.services
    url: str  # the service URL with secrets hidden (apprise privacy form)
    ok: bool
    error: str = ""  # what apprise reported, passwords redacted; "" when ok
    permanent: bool = False  # a retry cannot help (auth refused, recipient rejected, ...)
    elapsed_s: float = 0.0
