"""COMPAT (issue 11): the old home of the library work and the child processes.

Moved: the runner and the daemon's side to ``monitor.children``, the holiday library
to ``monitor.calendar``, the apprise URL check and ``redact`` to ``monitor.alerts``,
the child's main and the config checks to ``monitor.jobs``. These re-exports keep
``daemon.py``, ``cli.py`` and ``schedule.py`` running until the lead moves them to
the new names; then this module is deleted.
"""

from __future__ import annotations

from monitor.alerts.redact import redact
from monitor.alerts.sender import apprise_url_problem
from monitor.calendar import country_problem, national_holidays
from monitor.children.check import Check, check, start_check, years_around
from monitor.children.holidays import PreloadedHolidays
from monitor.children.runner import CHECK_TIMEOUT, DELIVER_TIMEOUT
from monitor.children.sender import ChildSender
from monitor.jobs import load_checked

__all__ = [
    "CHECK_TIMEOUT",
    "DELIVER_TIMEOUT",
    "Check",
    "ChildSender",
    "PreloadedHolidays",
    "apprise_url_problem",
    "check",
    "country_problem",
    "load_checked",
    "national_holidays",
    "redact",
    "start_check",
    "years_around",
]
