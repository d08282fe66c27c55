"""TOML config ─► frozen, validated ``Config``; every error reported with its key path.

``load_config(path)`` reads and validates a file; ``default_config()`` is the
built-in default used when no file exists; ``resolve_config_path(option)``
implements the lookup order ``--config`` ─► ``$LINK_MONITOR_CONFIG`` ─►
``/etc/link-monitor/config.toml`` ─► built-in default.

Validation happens once, completely: a ``ConfigError`` carries every problem
found, each naming its key path (``clinic[0].hours``) and what is wrong.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.compat import tomllib
from monitor.domain.durations import format_duration, parse_duration
from monitor.errors import ConfigError, Problem

ENV_CONFIG = "LINK_MONITOR_CONFIG"
SYSTEM_CONFIG = Path("/etc/link-monitor/config.toml")
BUILTIN = "<built-in default>"

# --------------------------------------------------------------------------- scalars



Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _positive(td: timedelta, what: str = "duration") -> timedelta:
    if td <= timedelta(0):
        raise ValueError(f"{what} must be greater than zero")
    return td


_HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def _parse_hhmm(text: str, *, allow_24: bool) -> int:
    m = _HHMM_RE.match(text.strip())
    if not m:
        raise ValueError(f"bad time {text.strip()!r}: expected HH:MM")
    hh, mm = int(m.group(1)), int(m.group(2))
    if hh == 24 and mm == 0 and allow_24:
        return 24 * 60
    if hh > 23 or mm > 59:
        raise ValueError(f"bad time {text.strip()!r}: hours 00-23, minutes 00-59")
    return hh * 60 + mm


@dataclass(frozen=True)
class TimeRange:
    """Minutes after local midnight; ``end`` is exclusive. ``end <= start`` crosses midnight."""

    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def start_time(self) -> time:
        return time(self.start // 60, self.start % 60)

    @property
    def end_time(self) -> time:
        return time((self.end // 60) % 24, self.end % 60)

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


def parse_time_range(value: Any) -> TimeRange:
    """Return the ``TimeRange`` of ``"HH:MM-HH:MM"``; raise ValueError otherwise.

    ``"22:00-06:00"`` crosses midnight; ``"00:00-24:00"`` is the whole day.
    Equal start and end is an error (empty or ambiguous window)."""
    if isinstance(value, TimeRange):
        return value
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"expected \"HH:MM-HH:MM\", got {value!r}")
    a, b = value.split("-")
    start = _parse_hhmm(a, allow_24=False)
    end = _parse_hhmm(b, allow_24=True)
    if start == end % (24 * 60) and not (start == 0 and end == 24 * 60):
        raise ValueError(f"window {value!r} starts and ends at the same time")
    return TimeRange(start, end)


Hours = Annotated[TimeRange, BeforeValidator(parse_time_range), PlainSerializer(str, return_type=str)]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekday", "holiday", "all"]


@dataclass(frozen=True)
class ClosedDays:
    """A closed day or range. Month-day forms (``year is None``) recur every year and
    may wrap the year end (``12-29..01-03``); dated forms are absolute."""

    first: tuple[int | None, int, int]  # (year or None, month, day)
    last: tuple[int | None, int, int]
    text: str

    def contains(self, d: date) -> bool:
        """Return True when ``d`` falls in this closed range (bounds inclusive)."""
        if self.first[0] is not None:
            lo = date(*self.first)  # type: ignore[arg-type]
            hi = date(*self.last)  # type: ignore[arg-type]
            return lo <= d <= hi
        md = (d.month, d.day)
        lo_md, hi_md = self.first[1:], self.last[1:]
        if lo_md <= hi_md:
            return lo_md <= md <= hi_md
        return md >= lo_md or md <= hi_md  # wraps the year end

    def __str__(self) -> str:
        return self.text


_MD_RE = re.compile(r"^(\d{2})-(\d{2})$")
_YMD_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _parse_day(text: str) -> tuple[int | None, int, int]:
    text = text.strip()
    if m := _YMD_RE.match(text):
        y, mo, d = (int(g) for g in m.groups())
        date(y, mo, d)  # raises ValueError for 2026-02-30
        return (y, mo, d)
    if m := _MD_RE.match(text):
        mo, d = (int(g) for g in m.groups())
        date(2000, mo, d)  # leap year: 02-29 is allowed
        return (None, mo, d)
    raise ValueError(f"bad date {text!r}: expected MM-DD or YYYY-MM-DD")


def parse_closed(value: Any) -> ClosedDays:
    """Return the ``ClosedDays`` of ``"MM-DD"``, ``"MM-DD..MM-DD"``, ``"YYYY-MM-DD"`` or
    ``"YYYY-MM-DD..YYYY-MM-DD"``; raise ValueError otherwise."""
    if isinstance(value, ClosedDays):
        return value
    if not isinstance(value, str):
        raise ValueError(  # noqa: TRY004 (pydantic reports ValueError with the key path)
            f"expected a date string like \"12-29..01-03\", got {value!r}")
    parts = value.split("..")
    if len(parts) > 2:
        raise ValueError(f"bad range {value!r}: use FIRST..LAST")
    try:
        first = _parse_day(parts[0])
        last = _parse_day(parts[-1])
    except ValueError as exc:
        msg = str(exc)
        if not msg.startswith("bad date"):
            msg = f"bad date in {value!r}: {msg}"
        raise ValueError(msg) from None
    if (first[0] is None) != (last[0] is None):
        raise ValueError(f"bad range {value!r}: both ends need a year, or neither")
    if first[0] is not None and date(*first) > date(*last):  # type: ignore[arg-type]
        raise ValueError(f"bad range {value!r}: the first date is after the last")
    return ClosedDays(first, last, value.strip())


Closed = Annotated[ClosedDays, BeforeValidator(parse_closed), PlainSerializer(str, return_type=str)]

# --------------------------------------------------------------------------- sections


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Calendar(_Section):
    country: str = "JP"
    subdivision: str | None = None
    closed: tuple[Closed, ...] = (parse_closed("12-29..01-03"),)

    @field_validator("country")
    @classmethod
    def _known_country(cls, v: str, info: ValidationInfo) -> str:
        if v and _deep(info, "holidays"):
            from monitor.offload import country_problem  # imports holidays

            problem = country_problem(v)
            if problem:
                raise ValueError(problem)
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

    @field_validator("interfaces", "ignore")
    @classmethod
    def _names(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for name in v:
            if not name or len(name) > 15 or "/" in name or any(c.isspace() for c in name):
                raise ValueError(f"bad interface name or pattern {name!r}")
        return v

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

    @field_validator("slow_blink", "fast_blink", "beep", "heartbeat_every", "heartbeat_on",
                     "self_test_hold")
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
            problems.append("kind = \"box\" needs indicator.port (e.g. /dev/serial/by-id/...)")
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
    retry_first: Duration = timedelta(seconds=5)
    retry_max: Duration = timedelta(minutes=5)

    @field_validator("urls")
    @classmethod
    def _apprise_urls(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if v and _deep(info, "apprise"):
            from monitor.offload import apprise_url_problem  # imports apprise

            problem = apprise_url_problem(v)
            if problem:
                raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _retries(self) -> Alerts:
        if self.retry_first <= timedelta(0) or self.retry_max < self.retry_first:
            raise ValueError("need 0 < retry_first <= retry_max")
        return self


def _deep(info: ValidationInfo, library: str) -> bool:
    """Whether the check that needs ``library`` ("holidays" or "apprise") runs: see
    ``validate_config``'s ``deep``."""
    deep = info.context.get("deep", True) if isinstance(info.context, dict) else True
    return deep if isinstance(deep, bool) else library in deep


class Store(_Section):
    path: Path = Path("/var/lib/link-monitor/register.db")


class Control(_Section):
    socket: Path = Path("/run/link-monitor/control.sock")
    max_request: StrictInt = Field(default=4096, ge=256, le=1 << 20)  # bytes per request line


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

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (an IANA name such as \"Asia/Tokyo\")") from None
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --------------------------------------------------------------------------- loading


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _problems_from(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # Annotated validators add a synthetic loc element for the function; drop it.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown key"
        elif kind == "missing":
            msg = "required key is missing"
        elif kind == "literal_error":
            msg = f"got {err.get('input')!r}; " + err["msg"].replace("Input should be", "expected")
        else:
            msg = err["msg"]
            for prefix in ("Value error, ", "Assertion failed, "):
                msg = msg.removeprefix(prefix)
            if kind not in ("value_error", "assertion_error") and "input" in err:
                shown = err["input"]
                if not isinstance(shown, (dict, list)):
                    msg = f"{msg} (got {shown!r})"
        problems.append(Problem(_loc_to_path(loc), msg))
    return problems


Deep = bool | frozenset[str]


def validate_config(data: dict[str, Any], source: str = "<config>", *,
                    deep: Deep = True) -> Config:
    """Return a ``Config`` from parsed TOML; raise ``ConfigError`` listing every problem.

    ``deep`` chooses the two checks that import a heavy library: ``"holidays"``
    (``calendar.country`` is known) and ``"apprise"`` (apprise can use every
    ``alerts.urls``). True runs both, False neither, a set those named. The
    daemon validates with ``deep=False`` and has ``monitor.offload`` run them in
    child processes."""
    try:
        return Config.model_validate(data, context={"deep": deep})
    except ValidationError as exc:
        raise ConfigError(source, _problems_from(exc)) from None


def parse_config_text(text: str, source: str = "<config>", *, deep: Deep = True) -> Config:
    """Return the ``Config`` of TOML ``text``; raise ``ConfigError`` on syntax or schema errors.
    ``deep``: see ``validate_config``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [Problem("", f"TOML syntax error: {exc}")]) from None
    return validate_config(data, source, deep=deep)


def read_config_text(path: Path | str) -> str:
    """Return the text of the config file at ``path``; raise ``ConfigError`` when the file
    cannot be read or is not UTF-8."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(str(path), [Problem("", "is a directory, not a config file")]) from None
    except PermissionError:
        raise ConfigError(str(path), [Problem("", "permission denied")]) from None
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"not UTF-8 text (byte {exc.start})")]) from None
    return text


def load_config(path: Path | str, *, deep: Deep = True) -> Config:
    """Return the validated ``Config`` of the file at ``path``; raise ``ConfigError`` when the
    file cannot be read, is not UTF-8 TOML, or breaks the schema (every problem at once).
    ``deep``: see ``validate_config``."""
    return parse_config_text(read_config_text(path), str(path), deep=deep)


def _user_paths() -> dict[str, Any]:
    """Store and socket paths a non-root user can write, for the built-in default."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    run_dir = Path(runtime) / "link-monitor" if runtime else state / "link-monitor"
    return {
        "store": {"path": str(state / "link-monitor" / "register.db")},
        "control": {"socket": str(run_dir / "control.sock")},
    }


def default_config(*, deep: Deep = True) -> Config:
    """Return the built-in default: the sample's rules, watching the physical interfaces.

    As root it uses the system paths (/var/lib, /run); otherwise per-user paths, so
    that ``link-monitor run`` works for a developer without any set-up."""
    data: dict[str, Any] = {}
    if os.geteuid() != 0:
        data.update(_user_paths())
    return validate_config(data, BUILTIN, deep=deep)


def resolve_config_path(option: str | Path | None) -> Path | None:
    """Return the config file to use: ``option``, else ``$LINK_MONITOR_CONFIG``, else
    ``/etc/link-monitor/config.toml`` if it exists, else None (the built-in default)."""
    if option:
        return Path(option)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    if SYSTEM_CONFIG.exists():
        return SYSTEM_CONFIG
    return None


def load(option: str | Path | None, *, deep: Deep = True) -> tuple[Config, str]:
    """Return ``(config, source)`` following the lookup order; raise ``ConfigError``.
    ``deep``: see ``validate_config``."""
    path = resolve_config_path(option)
    if path is None:
        return default_config(deep=deep), BUILTIN
    return load_config(path, deep=deep), str(path)
