"""Weekly windows + national holidays + closed dates ─► the period of an instant.

Pure functions of (config, instant). Evaluated in the configured zone; every
returned datetime is aware.  CONTRACT (implemented in the foundation issue):

    Schedule(config)                       precomputes nothing at import; cheap to build
    Schedule.at(t: datetime) -> PeriodInfo t must be aware; raise ValueError if naive
    Schedule.next_change(t) -> datetime    first instant > t whose period differs from t's
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from monitor.config import Config


class Period(StrEnum):
    CLINIC = "clinic"  # the clinic is open: a connection is forbidden
    MAINTENANCE = "maintenance"  # a permitted window
    OFF_HOURS = "off-hours"  # neither


@dataclass(frozen=True)
class PeriodInfo:
    """What the schedule says about one instant."""

    at: datetime  # the instant asked about, in the configured zone
    period: Period
    holiday: str | None  # name of the national holiday or closed day of the rule's day, if any
    rule: str | None  # e.g. "clinic[0] sun,holiday 17:00-22:00"; None for off-hours
    next_change: datetime  # first instant after `at` with another period (configured zone)


class Schedule:
    """The period of any instant under one config. Pure; holds no clock."""

    def __init__(self, config: Config):
        self.config = config

    def at(self, t: datetime) -> PeriodInfo:
        """Return the ``PeriodInfo`` of aware instant ``t``; raise ValueError if ``t`` is naive."""
        raise NotImplementedError

    def next_change(self, t: datetime) -> datetime:
        """Return the first instant after ``t`` whose period differs from that of ``t``."""
        raise NotImplementedError
