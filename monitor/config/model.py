"""The config's sections as frozen pydantic models, validated for shape only.

Shape means types, ranges and consistency between keys. Whether the holiday
library knows ``calendar.country`` and whether apprise can use ``alerts.urls`` are
library checks, run as one explicit step after parsing (``monitor.jobs``): this
module imports neither library.
"""

from __future__ import annotations

import fnmatch
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from monitor.config.scalars import ClosedDays, TimeRange, parse_closed, parse_time_range
from monitor.domain.durations import format_duration, parse_duration

# The longest duration any config key takes: each is a period of the working day
# (a session, a reminder, a blink, a retry); longer is a typo, not a wish.
MAX_CONFIG_DURATION = timedelta(hours=24)


def _config_duration(value: object) -> timedelta:
    return parse_duration(value, MAX_CONFIG_DURATION)


Duration = Annotated[
    timedelta,
    BeforeValidator(_config_duration),
    PlainSerializer(format_duration, return_type=str),
]
Hours = Annotated[
    TimeRange, BeforeValidator(parse_time_range), PlainSerializer(str, return_type=str)
]
Closed = Annotated[ClosedDays, BeforeValidator(parse_closed), PlainSerializer(str, return_type=str)]
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekday", "holiday", "all"]


def _positive(td: timedelta, what: str = "duration") -> timedelta:
    if td <= timedelta(0):
        raise ValueError(f"{what} must be greater than zero")
    return td


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Calendar(_Section):
    country: str = "JP"
    subdivision: str | None = None
    closed: tuple[Closed, ...] = (parse_closed("12-29..01-03"),)

    @field_validator("country")
    @classmethod
    def _upper(cls, v: str) -> str:
        # Whether the holiday library knows it is a library check (monitor.jobs).
        return v.upper()


class Window(_Section):
    days: tuple[DayName, ...] = Field(min_length=1)
    hours: Hours

    def describe(self) -> str:
        return f"{','.join(self.days)} {self.hours}"


class Limits(_Section):
    max_session: Duration = timedelta(hours=2)
    remind_every: Duration = timedelta(minutes=30)
    require_permit: StrictBool = False
    # A permit's expected duration may lengthen max_session (never shorten the rules).
    permit_extends: StrictBool = False

    @field_validator("max_session", "remind_every")
    @classmethod
    def _gt0(cls, v: timedelta) -> timedelta:
        return _positive(v)


DEFAULT_INTERFACES = ("en*", "eth*", "wl*", "usb*", "wwan*")


class Link(_Section):
    interfaces: tuple[str, ...] = DEFAULT_INTERFACES
    ignore: tuple[str, ...] = ("lo",)
    method: Literal["netlink", "poll"] = "netlink"
    poll_interval: Duration = timedelta(seconds=1)
    settle: Duration = timedelta(seconds=2)

    @field_validator("poll_interval")
    @classmethod
    def _poll_gt0(cls, v: timedelta) -> timedelta:
        return _positive(v)

    @field_validator("interfaces")
    @classmethod
    def _some(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError(
                'watches nothing: name at least one interface or pattern (e.g. "eth*")'
            )
        return v

    @field_validator("interfaces", "ignore")
    @classmethod
    def _names(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for name in v:
            if not name or len(name) > 15 or "/" in name or any(c.isspace() for c in name):
                raise ValueError(f"bad interface name or pattern {name!r}")
        return v

    def unmatched(self, names: list[str]) -> list[str]:
        """Return the ``interfaces`` patterns that watch none of ``names`` (an interface
        ``ignore`` names is not watched)."""
        kept = [n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in self.ignore)]
        return [p for p in self.interfaces if not any(fnmatch.fnmatchcase(n, p) for n in kept)]

    def watches(self, name: str) -> bool:
        """Return True when interface ``name`` is watched: it matches ``interfaces``
        and no ``ignore`` pattern (ignore always wins)."""
        if any(fnmatch.fnmatchcase(name, pat) for pat in self.ignore):
            return False
        return any(fnmatch.fnmatchcase(name, pat) for pat in self.interfaces)


Pin = Annotated[StrictInt, Field(ge=0, le=27)]


class Indicator(_Section):
    kind: Literal["auto", "gpio", "console", "none", "box"] = "auto"
    led: Pin = 17
    buzzer: Pin | None = 27
    button: Pin | None = 22
    status_led: Pin | None = 5
    active_high: StrictBool = True
    port: str | None = None  # serial device of the indicator box (kind = "box")
    slow_blink: Duration = timedelta(seconds=1)  # warn: on and off times
    fast_blink: Duration = timedelta(milliseconds=200)  # alarm: on and off times
    beep: Duration = timedelta(milliseconds=200)  # alarm: buzzer on and off times
    heartbeat_every: Duration = timedelta(seconds=3)  # status LED period
    heartbeat_on: Duration = timedelta(milliseconds=100)  # status LED flash length
    self_test_hold: Duration = timedelta(seconds=3)  # hold the button this long: self-test

    @field_validator(
        "slow_blink", "fast_blink", "beep", "heartbeat_every", "heartbeat_on", "self_test_hold"
    )
    @classmethod
    def _timing_gt0(cls, v: timedelta) -> timedelta:
        return _positive(v)

    @model_validator(mode="after")
    def _pins_and_port(self) -> Indicator:
        seen: dict[int, str] = {}
        problems = []
        for name in ("led", "buzzer", "button", "status_led"):
            pin = getattr(self, name)
            if pin is None:
                continue
            if pin in seen:
                problems.append(f"pin {pin} used twice: indicator.{seen[pin]} and indicator.{name}")
            seen[pin] = name
        if self.kind == "box" and not self.port:
            problems.append('kind = "box" needs indicator.port (e.g. /dev/serial/by-id/...)')
        if self.heartbeat_on >= self.heartbeat_every:
            problems.append("heartbeat_on must be shorter than heartbeat_every")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Alerts(_Section):
    urls: tuple[str, ...] = ()
    config: Path | None = None  # an apprise config file (YAML or TEXT)
    # Name of a systemd credential (LoadCredential=) holding apprise URLs, one per
    # line, or an apprise config; read from $CREDENTIALS_DIRECTORY at start-up.
    credential: str | None = None
    language: Literal["ja", "en"] = "ja"
    machine: str | None = None  # shown in every alert; default: the host name
    # Who to call first about a connection during clinic hours (e.g. the clinic's
    # phone): the clinic-hours mail names it before "unplug".
    contact: str = ""
    retry_first: Duration = timedelta(seconds=5)
    retry_max: Duration = timedelta(minutes=5)

    @model_validator(mode="after")
    def _retries(self) -> Alerts:
        if self.retry_first <= timedelta(0) or self.retry_max < self.retry_first:
            raise ValueError("need 0 < retry_first <= retry_max")
        return self


class Store(_Section):
    path: Path = Path("/var/lib/link-monitor/register.db")


class Control(_Section):
    socket: Path = Path("/run/link-monitor/control.sock")
    max_request: StrictInt = Field(default=4096, ge=256, le=1 << 20)  # bytes per request line


class Media(_Section):
    """Removable media (USB sticks, cards): which rules raise alerts."""

    watch: StrictBool = True  # watch the kernel's block-device events at all
    online: StrictBool = True  # media-online: a medium present while online (rule イ, ア)
    unregistered: StrictBool = True  # unregistered-media: a medium not in the ledger
    clinic_hours: StrictBool = True  # media-clinic-hours: inserted during clinic hours
    clinic_hours_allowed: tuple[str, ...] = ()  # labels that may be (the backup stick)
    left_in: StrictBool = True  # media-left-in: still in when clinic hours end
    left_in_after: Duration = timedelta(minutes=30)  # ... and this long after
    left_in_allowed: tuple[str, ...] = ()  # labels that may stay in
    wireless: tuple[str, ...] = ("wl*",)  # interfaces the alerts call wireless (rule ア)

    @field_validator("left_in_after")
    @classmethod
    def _not_negative(cls, v: timedelta) -> timedelta:
        if v < timedelta(0):
            raise ValueError("must not be negative")
        return v

    def is_wireless(self, name: str) -> bool:
        """Return True when interface ``name`` matches a ``wireless`` pattern."""
        return any(fnmatch.fnmatchcase(name, pat) for pat in self.wireless)


def _default_clinic() -> tuple[Window, ...]:
    return (Window(days=("sun", "holiday"), hours=parse_time_range("17:00-22:00")),)


def _default_maintenance() -> tuple[Window, ...]:
    return (Window(days=("weekday",), hours=parse_time_range("08:30-17:15")),)


class Config(_Section):
    """The whole validated config. Frozen: a reload builds a new one."""

    timezone: str = "Asia/Tokyo"
    calendar: Calendar = Calendar()
    clinic: tuple[Window, ...] = Field(default_factory=_default_clinic)
    maintenance: tuple[Window, ...] = Field(default_factory=_default_maintenance)
    limits: Limits = Limits()
    link: Link = Link()
    indicator: Indicator = Indicator()
    alerts: Alerts = Alerts()
    store: Store = Store()
    control: Control = Control()
    media: Media = Media()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone {v!r} (an IANA name such as "Asia/Tokyo")'
            ) from None
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
