"""The one error tree of link-monitor.

Every error we raise on purpose derives from ``MonitorError``; each subclass
also inherits the builtin it resembles so callers can catch either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class MonitorError(Exception):
    """Root of every error link-monitor raises deliberately."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a config: where (a key path like ``clinic[0].hours``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(MonitorError, ValueError):
    """The config is invalid; ``problems`` lists every error found, each with its key path."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


class ConfigDenied(ConfigError):
    """The config file exists but this user may not read it (not in the service group).

    A ``ConfigError`` with the full load's problem ("permission denied"); ``path`` is
    the file. The quick commands say it in one line (``monitor.cli.client``)."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(str(path), [Problem("", "permission denied")])


class WatcherError(MonitorError, OSError):
    """A link watcher could not observe the kernel (socket, namespace, permission)."""


class IndicatorError(MonitorError, RuntimeError):
    """An indicator could not be built or driven (no GPIO, busy pin, port error)."""


class RegisterError(MonitorError, RuntimeError):
    """The register could not be opened, migrated or written."""


class RegisterDenied(RegisterError):
    """This user may not read the register (root and the service's group may)."""

    def __init__(self, path: object):
        self.path = path
        super().__init__(
            f"{path}: permission denied (the register may be "
            "read by root and by members of the service's group)"
        )


class ChainBroken(RegisterError):
    """The register's hash chain does not verify; ``record`` names the first bad record."""

    def __init__(self, record: str, reason: str):
        self.record = record
        self.reason = reason
        super().__init__(f"{record}: {reason}")


class RegisterAltered(ChainBroken):
    """What the daemon was about to restore or build on does not match the chain (a row
    edited or inserted by hand, an unchained field out of the chain's bounds): it is
    refused, not chained. ``record`` says where, ``reason`` what."""


class RegisterDamaged(RegisterError):
    """SQLite cannot read the register file (``database disk image is malformed``, ``file
    is not a database``): ``path`` the file, ``detail`` SQLite's message, ``moved_to``
    where the daemon moved it aside (None when it is still at ``path``)."""

    def __init__(self, path: str, detail: str, moved_to: str | None = None):
        self.path = path
        self.detail = detail
        self.moved_to = moved_to
        where = f"; moved to {moved_to}" if moved_to else ""
        super().__init__(f"{path}: register damaged: {detail}{where}")


class NotifyError(MonitorError, RuntimeError):
    """Sending an alert failed. ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool = False):
        self.permanent = permanent
        super().__init__(message)


class OffloadError(MonitorError, RuntimeError):
    """A child process (``monitor.children``) could not start, crashed, timed out or
    answered nonsense."""


class ControlError(MonitorError, ConnectionError):
    """The control socket could not be reached, or the daemon answered with an error."""
