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


@dataclass(frozen=True)
class Receipt:
    """Where a sender records the outcome of one alert's attempt as it happens: the
    register file, the alert, the daemon instance that holds its claim, and the
    destinations that accepted it before (sent nothing again)."""

    register: str
    alert_id: int
    owner: str
    accepted: frozenset[str] = frozenset()


def destination_keys(urls: list[str]) -> list[str]:
    """Return the key each destination is recorded under (``alert_deliveries``): its
    URL as shown (secrets hidden), ``#2``, ``#3``... for a URL shown the same twice."""
    seen: dict[str, int] = {}
    keys = []
    for url in urls:
        seen[url] = seen.get(url, 0) + 1
        keys.append(url if seen[url] == 1 else f"{url}#{seen[url]}")
    return keys
