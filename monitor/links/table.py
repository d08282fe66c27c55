"""``LinkTable``: the belief about the watched interfaces; decides what is reported."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.domain.model import LinkObserved
from monitor.links.parse import vanished

if TYPE_CHECKING:
    from monitor.config import Link


class LinkTable:
    """The belief about watched interfaces, by index; decides what is worth reporting.

    Pure: it is handed observations (of any interface) and returns the reports.
    """

    def __init__(self, link: Link):
        self._link = link
        self._known: dict[int, LinkObserved] = {}

    def watched(self) -> list[LinkObserved]:
        """Return the latest observation of every watched interface present, by name."""
        return sorted(self._known.values(), key=lambda o: (o.interface, o.index))

    def apply(self, obs: LinkObserved) -> list[LinkObserved]:
        """Take one observation of any interface; return the reports it causes (maybe none)."""
        old = self._known.get(obs.index)
        reports: list[LinkObserved] = []
        if old is not None and (not obs.present or old.interface != obs.interface):
            # Removed, or renamed: the name the engine knows it by is gone.
            del self._known[obs.index]
            reports.append(vanished(old, obs.at))
            old = None
        if not obs.present or not self._link.watches(obs.interface):
            return reports
        self._known[obs.index] = obs
        if old is None or old.online != obs.online:
            reports.append(obs)
        return reports

    def reconcile(self, snapshot: Iterable[LinkObserved], at: datetime) -> list[LinkObserved]:
        """Take a full table (dump or poll); return every difference from the belief.

        Interfaces believed present but missing from ``snapshot`` vanish; the rest is
        applied as observations, in index order.
        """
        current = {obs.index: obs for obs in snapshot}
        reports = [
            vanished(self._known.pop(index), at)
            for index in sorted(self._known)
            if index not in current
        ]
        for index in sorted(current):
            reports.extend(self.apply(current[index]))
        return reports
