"""The register on paper: one self-contained HTML file per month or year (inline CSS
and SVG) that the PC's browser prints on A4 landscape, and the CSV's title lines.

A layer-3 adapter: pure rendering of records. It never imports the register, the
daemon or another adapter; the command opens the register read-only and passes it
in (``read_register`` only calls its read methods).

    read_register(reg, zone, now) -> RegisterView     everything, read once
    RegisterView.month(year, month) -> Month          one month's connections, downtimes
    check_chain(reg, since=None, until=None)          head + verify result (of a period's part)
    render_month(month, masthead, schedule) -> str    the HTML file of a month
    render_year(year, months, masthead, schedule)     a year: summary page + 12 months
    csv_title_rows(machine, year, month, chain, language) -> rows before the CSV header
"""

from __future__ import annotations

from monitor.printout.csvtitle import csv_title_rows
from monitor.printout.gather import RegisterView, check_chain, read_register
from monitor.printout.page import render_month, render_year
from monitor.printout.records import ChainCheck, Masthead, Month

__all__ = [
    "ChainCheck",
    "Masthead",
    "Month",
    "RegisterView",
    "check_chain",
    "csv_title_rows",
    "read_register",
    "render_month",
    "render_year",
]
