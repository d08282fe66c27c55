"""What ``link-monitor report`` does between opening the register and writing the file."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.printout.gather import RegisterReader, check_chain, read_register
from monitor.printout.page import render_month, render_year
from monitor.printout.records import ChainCheck, Masthead
from monitor.printout.timeline import ScheduleView

if TYPE_CHECKING:
    from monitor.config import Config


@dataclass(frozen=True)
class Report:
    html: str
    chain: ChainCheck
    name: str  # the default file name: report-2026-04.html, report-2026.html
    connections: int


def machine_name(config: Config) -> str:
    """Return ``alerts.machine``, or the host name as the alerts use it."""
    return config.alerts.machine or socket.gethostname()


def build_report(
    reg: RegisterReader,
    config: Config,
    schedule: ScheduleView,
    *,
    year: int,
    month: int | None,
    language: str,
    made_by: str,
    now: datetime,
) -> Report:
    """Return the HTML of ``year``-``month`` (or the whole ``year`` when ``month`` is None),
    with the register's head and verify result as they are at ``now``."""
    chain = check_chain(reg)
    view = read_register(reg, config.zone, now)
    head = Masthead(machine_name(config), now, made_by, chain, language, config.zone)
    if month is not None:
        m = view.month(year, month)
        return Report(
            render_month(m, head, schedule), chain, f"report-{m.label}.html", len(m.connections)
        )
    months = [view.month(year, n) for n in range(1, 13)]
    return Report(
        render_year(year, months, head, schedule),
        chain,
        f"report-{year}.html",
        sum(len(m.connections) for m in months),
    )
