"""The box's config: the ``[indicator]`` section only, read without pydantic.

The Pi's box bundle has none of the daemon's heavy libraries (pydantic, apprise,
holidays, pyroute2, psutil), so ``link-monitor box`` cannot use ``monitor.config``.
This reads the same file, found and read as the full load does (``monitor.configfile``:
``--config``, then ``$LINK_MONITOR_CONFIG``, then ``/etc/link-monitor/config.toml``,
else the built-in default), takes ``[indicator]`` and nothing else, and checks it as
``monitor.config.model.Indicator`` does: the same defaults, the same rules and the same
messages with their key paths, every problem at once. ``tests/unit/test_box_settings.py``
holds the two to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from monitor.configfile import BUILTIN, read_toml, resolve_config_path
from monitor.domain.durations import parse_duration
from monitor.domain.text import control_problem
from monitor.errors import ConfigError, Problem

# Kept equal to monitor.config's (a unit test compares them).
KINDS = ("auto", "gpio", "console", "none", "box")
PIN_MIN, PIN_MAX = 0, 27  # the Pi's BCM GPIO numbers, as monitor.config's Pin
PINS = ("led", "buzzer", "button", "status_led")
MAX_DURATION = timedelta(hours=24)  # as monitor.config's MAX_CONFIG_DURATION
MAX_DEPTH = 8  # as monitor.config.bounds'; a path counts from the file's top
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


def _bad_input(value: Any, path: str, depth: int, out: list[Problem]) -> None:
    """Add to ``out`` each control character and each too deep nesting in ``value`` (at
    ``path``, ``depth`` keys from the top), as ``monitor.config.bounds`` says them."""
    if depth > MAX_DEPTH and isinstance(value, (dict, list)):
        out.append(Problem(path, f"nested deeper than {MAX_DEPTH} levels"))
    elif isinstance(value, str):
        wrong = control_problem(value)
        if wrong:
            out.append(Problem(path, wrong))
    elif isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            sub = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
            _bad_input(item, sub, depth + 1, out)


def _under(path: str, bad: list[Problem]) -> bool:
    """As ``monitor.config.bounds.under``: ``path`` is a bad input's path or below one."""
    return any(path == b.path or path.startswith((b.path + ".", b.path + "[")) for b in bad)


def _got(value: Any) -> str:
    # pydantic shows the input after its message, except a table or an array.
    return "" if isinstance(value, (dict, list)) else f" (got {value!r})"


def _pin(value: Any) -> str | None:
    """Return what is wrong with a pin number (pydantic's words), or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"Input should be a valid integer{_got(value)}"
    if value < PIN_MIN:
        return f"Input should be greater than or equal to {PIN_MIN}{_got(value)}"
    if value > PIN_MAX:
        return f"Input should be less than or equal to {PIN_MAX}{_got(value)}"
    return None


def _duration(value: Any) -> tuple[timedelta | None, str | None]:
    try:
        td = parse_duration(value, MAX_DURATION)
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
        return value, None if ok else f"Input should be a valid boolean{_got(value)}"
    if key == "port":
        ok = isinstance(value, str)
        return value, None if ok else f"Input should be a valid string{_got(value)}"
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


def _keys(section: dict[str, Any], bad: list[Problem]) -> tuple[dict[str, Any], list[Problem]]:
    """Return the valid known keys' values and the problems of the others."""
    names = [f.name for f in fields(BoxSettings)]
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in names:
        value = section.get(key)
        if key not in section or _under(f"indicator.{key}", bad) and isinstance(value, str):
            continue  # absent, or a string with a control character: left out
        value, wrong = _check(key, value)
        if wrong:
            problems.append(Problem(f"indicator.{key}", wrong))
        else:
            values[key] = value
    for key in section:
        if key not in names and not control_problem(key):
            problems.append(Problem(f"indicator.{key}", "unknown key"))
    return values, problems


def indicator_settings(data: dict[str, Any], source: str = "<config>") -> BoxSettings:
    """Return the ``BoxSettings`` of parsed TOML ``data`` (its ``[indicator]`` only);
    raise ``ConfigError`` listing every problem with its key path.

    As the full load: control characters and too deep nesting are problems of their
    own, and no other problem is reported at or below their key paths."""
    section = data.get("indicator", {})
    if not isinstance(section, dict):
        message = f"Input should be a valid dictionary or instance of Indicator{_got(section)}"
        raise ConfigError(source, [Problem("indicator", message)])
    bad: list[Problem] = []
    for key, value in section.items():
        wrong = control_problem(key)
        if wrong:
            bad.append(Problem("indicator", f"key {key!r} {wrong}"))
        else:
            _bad_input(value, f"indicator.{key}", 2, bad)
    values, problems = _keys(section, bad)
    if not problems:
        wrong = _consistency(BoxSettings(**values))
        problems = [Problem("indicator", wrong)] if wrong else []
    problems = bad + [p for p in problems if not _under(p.path, bad)]
    if problems:
        raise ConfigError(source, problems)
    return BoxSettings(**values)


def load_box_settings(option: str | Path | None) -> tuple[BoxSettings, str]:
    """Return ``(settings, source)`` of the config ``option`` resolves to (the built-in
    default's ``[indicator]`` when there is no file); raise ``ConfigError`` when the file
    cannot be read as TOML or its ``[indicator]`` is wrong."""
    path = resolve_config_path(option)
    if path is None:
        return BoxSettings(), BUILTIN
    return indicator_settings(read_toml(path), str(path)), str(path)
