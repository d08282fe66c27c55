"""The few config keys the quick commands (``status``, ``ack``, ``permit``) need, read
without pydantic: ``control.socket``, ``alerts.language`` and ``timezone``.

Same file as ``monitor.config.load`` (``--config``, then ``$LINK_MONITOR_CONFIG``, then
``/etc/link-monitor/config.toml``, else the built-in default; found and read by
``monitor.configfile``) and the same defaults;
``tests/unit/test_cli_quickconfig.py`` holds the two to the same answers. Only these
keys are checked (the daemon validated the whole file): a wrong one is a
``ConfigError`` naming its key path, like the full validation. The time zone is
checked (and ``zoneinfo`` imported) only by the commands that print times.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import configfile
from monitor.configfile import BUILTIN, read_toml
from monitor.domain.text import control_problem
from monitor.errors import ConfigError, Problem

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

SYSTEM_SOCKET = Path("/run/link-monitor/control.sock")
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
DEFAULT_TIMEZONE = "Asia/Tokyo"


class QuickConfig:
    """What ``status``, ``ack`` and ``permit`` read of the config."""

    __slots__ = ("language", "socket", "source", "timezone")

    def __init__(self, socket: Path, language: str, timezone: Any, source: str):
        self.socket = socket
        self.language = language
        self.timezone = timezone  # as written: checked by zone()
        self.source = source

    def zone(self) -> ZoneInfo:
        """Return the configured zone; raise ``ConfigError`` naming ``timezone`` if unknown."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ConfigError(
                self.source,
                [
                    Problem(
                        "timezone",
                        f'unknown time zone {self.timezone!r} (an IANA name such as "Asia/Tokyo")',
                    )
                ],
            ) from None


def resolve_config_path(option: str | Path | None) -> Path | None:
    """Return the config file to use, as ``monitor.configfile.resolve_config_path``; the
    system config also when this user may not even see whether it exists."""
    try:
        return configfile.resolve_config_path(option)
    except PermissionError:
        # /etc/link-monitor is 0750 root:link-monitor: the file is there, this user may
        # not look. Reading it says so (ConfigDenied) instead of silently using defaults.
        return configfile.SYSTEM_CONFIG


def _default_socket() -> Path:
    """The built-in default's socket: the system one as root, else a per-user one."""
    if os.geteuid() == 0:
        return SYSTEM_SOCKET
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "link-monitor" / "control.sock"
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "link-monitor" / "control.sock"


def _read(path: Path) -> dict[str, Any]:
    # No size bound: this reader has never had the full load's MAX_BYTES.
    return read_toml(path, max_bytes=None)


def _section(data: dict[str, Any], name: str, problems: list[Problem]) -> dict[str, Any]:
    value = data.get(name, {})
    if isinstance(value, dict):
        return value
    problems.append(
        Problem(name, f"Input should be a valid dictionary or instance of {name.capitalize()}")
    )
    return {}


def _pick(data: dict[str, Any], problems: list[Problem]) -> tuple[Path, str, Any]:
    socket = _section(data, "control", problems).get("socket", str(SYSTEM_SOCKET))
    if not isinstance(socket, str):
        problems.append(Problem("control.socket", f"Input is not a valid path (got {socket!r})"))
    elif problem := control_problem(socket):
        problems.append(Problem("control.socket", problem))
    language = _section(data, "alerts", problems).get("language", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        problems.append(Problem("alerts.language", f"got {language!r}; expected 'ja' or 'en'"))
    return Path(str(socket)), str(language), data.get("timezone", DEFAULT_TIMEZONE)


def load_quick(option: str | Path | None) -> QuickConfig:
    """Return the quick commands' keys of the config ``option`` resolves to; raise
    ``ConfigDenied`` when this user may not read the file, ``ConfigError`` (every
    problem of these keys at once) when one is wrong or the file cannot be read as TOML."""
    path = resolve_config_path(option)
    if path is None:
        return QuickConfig(_default_socket(), DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, BUILTIN)
    problems: list[Problem] = []
    socket, language, timezone = _pick(_read(path), problems)
    if problems:
        raise ConfigError(str(path), problems)
    return QuickConfig(socket, language, timezone, str(path))


def read_language(option: str | Path | None) -> str:
    """Return ``alerts.language`` as written in the config ``option`` resolves to (the
    default when it has none); raise ``ConfigError`` when the file cannot be read."""
    path = resolve_config_path(option)
    if path is None:
        return DEFAULT_LANGUAGE
    alerts = _read(path).get("alerts", {})
    return str(alerts.get("language", DEFAULT_LANGUAGE)) if isinstance(alerts, dict) else ""
