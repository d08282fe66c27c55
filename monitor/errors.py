"""The one error tree of link-monitor.

Every error we raise on purpose derives from ``MonitorError``; each subclass
also inherits the builtin it resembles so callers can catch either.
"""

from __future__ import annotations

from dataclasses import dataclass


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


class WatcherError(MonitorError, OSError):
    """A link watcher could not observe the kernel (socket, namespace, permission)."""


class IndicatorError(MonitorError, RuntimeError):
    """An indicator could not be built or driven (no GPIO, busy pin, port error)."""


class RegisterError(MonitorError, RuntimeError):
    """The register could not be opened, migrated or written."""


class ChainBroken(RegisterError):
    """The register's hash chain does not verify; ``record`` names the first bad record."""

    def __init__(self, record: str, reason: str):
        self.record = record
        self.reason = reason
        super().__init__(f"{record}: {reason}")


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
