"""The box's config: the ``[indicator]`` section only, read without pydantic.

The Pi's box bundle has none of the daemon's heavy libraries (pydantic, apprise,
holidays, pyroute2, psutil), so ``link-monitor box`` cannot use ``monitor.config``.
This reads the same file (``--config``, then ``$LINK_MONITOR_CONFIG``, then
``/etc/link-monitor/config.toml``, else the built-in default), takes ``[indicator]``
and nothing else, and checks it as ``monitor.config.model.Indicator`` does: the same
defaults, the same rules and the same messages with their key paths, every problem
at once. ``tests/unit/test_box_settings.py`` holds the two to the same answers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from monitor.compat import tomllib
from monitor.domain.durations import parse_duration
from monitor.errors import ConfigError, Problem

# Kept equal to monitor.config's (a unit test compares them).
ENV_CONFIG = "LINK_MONITOR_CONFIG"
SYSTEM_CONFIG = Path("/etc/link-monitor/config.toml")
BUILTIN = "<built-in default>"
KINDS = ("auto", "gpio", "console", "none", "box")
PIN_MIN, PIN_MAX = 0, 27  # the Pi's BCM GPIO numbers, as monitor.config's Pin
PINS = ("led", "buzzer", "button", "status_led")
DURATIONS = (
    "slow_blink",
    "fast_blink",
    "beep",
    "heartbeat_every",
    "heartbeat_on",
    "self_test_hold",
)


@dataclass(frozen=True)
class BoxSettings:
    """The ``[indicator]`` keys, named as ``monitor.config.Indicator``'s, same defaults."""

    kind: str = "auto"
    led: int = 17
    buzzer: int | None = 27
    button: int | None = 22
    status_led: int | None = 5
    active_high: bool = True
    port: str | None = None
    slow_blink: timedelta = timedelta(seconds=1)
    fast_blink: timedelta = timedelta(milliseconds=200)
    beep: timedelta = timedelta(milliseconds=200)
    heartbeat_every: timedelta = timedelta(seconds=3)
    heartbeat_on: timedelta = timedelta(milliseconds=100)
    self_test_hold: timedelta = timedelta(seconds=3)


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


def _read(path: Path) -> dict[str, Any]:
    """Return the parsed TOML of ``path``; raise ``ConfigError`` as the full load does."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(source, [Problem("", "is a directory, not a config file")]) from None
    except PermissionError:
        raise ConfigError(source, [Problem("", "permission denied")]) from None
    except OSError as exc:
        raise ConfigError(source, [Problem("", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [Problem("", f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [Problem("", f"TOML syntax error: {exc}")]) from None


def _pin(value: Any) -> str | None:
    """Return what is wrong with a pin number (pydantic's words), or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"Input should be a valid integer (got {value!r})"
    if value < PIN_MIN:
        return f"Input should be greater than or equal to {PIN_MIN} (got {value!r})"
    if value > PIN_MAX:
        return f"Input should be less than or equal to {PIN_MAX} (got {value!r})"
    return None


def _duration(value: Any) -> tuple[timedelta | None, str | None]:
    try:
        td = parse_duration(value)
    except ValueError as exc:
        return None, str(exc)
    if td <= timedelta(0):
        return None, "duration must be greater than zero"
    return td, None


def _check(key: str, value: Any) -> tuple[Any, str | None]:
    """Return ``(value, None)`` for a valid ``key``, else ``(None, what is wrong)``."""
    if key == "kind":
        if value in KINDS:
            return value, None
        choices = ", ".join(repr(k) for k in KINDS[:-1]) + f" or {KINDS[-1]!r}"
        return None, f"got {value!r}; expected {choices}"
    if key in PINS:
        return value, _pin(value)
    if key == "active_high":
        ok = isinstance(value, bool)
        return value, None if ok else f"Input should be a valid boolean (got {value!r})"
    if key == "port":
        ok = isinstance(value, str)
        return value, None if ok else f"Input should be a valid string (got {value!r})"
    return _duration(value)


def _consistency(settings: BoxSettings) -> str | None:
    """Return the model-level problems joined as pydantic shows them, or None."""
    seen: dict[int, str] = {}
    problems = []
    for name in PINS:
        pin = getattr(settings, name)
        if pin is None:
            continue
        if pin in seen:
            problems.append(f"pin {pin} used twice: indicator.{seen[pin]} and indicator.{name}")
        seen[pin] = name
    if settings.kind == "box" and not settings.port:
        problems.append('kind = "box" needs indicator.port (e.g. /dev/serial/by-id/...)')
    if settings.heartbeat_on >= settings.heartbeat_every:
        problems.append("heartbeat_on must be shorter than heartbeat_every")
    return "; ".join(problems) or None


def indicator_settings(data: dict[str, Any], source: str = "<config>") -> BoxSettings:
    """Return the ``BoxSettings`` of parsed TOML ``data`` (its ``[indicator]`` only);
    raise ``ConfigError`` listing every problem with its key path."""
    section = data.get("indicator", {})
    if not isinstance(section, dict):
        message = f"Input should be a valid dictionary or instance of Indicator (got {section!r})"
        raise ConfigError(source, [Problem("indicator", message)])
    names = {f.name for f in fields(BoxSettings)}
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in (f.name for f in fields(BoxSettings)):
        if key in section:
            value, wrong = _check(key, section[key])
            if wrong:
                problems.append(Problem(f"indicator.{key}", wrong))
            else:
                values[key] = value
    problems += [Problem(f"indicator.{k}", "unknown key") for k in section if k not in names]
    if problems:
        raise ConfigError(source, problems)
    settings = BoxSettings(**values)
    wrong = _consistency(settings)
    if wrong:
        raise ConfigError(source, [Problem("indicator", wrong)])
    return settings


def load_box_settings(option: str | Path | None) -> tuple[BoxSettings, str]:
    """Return ``(settings, source)`` of the config ``option`` resolves to (the built-in
    default's ``[indicator]`` when there is no file); raise ``ConfigError`` when the file
    cannot be read as TOML or its ``[indicator]`` is wrong."""
    path = resolve_config_path(option)
    if path is None:
        return BoxSettings(), BUILTIN
    return indicator_settings(_read(path), str(path)), str(path)
