"""Drive ``link-monitor run`` as a subprocess inside a test's network namespace, the
way an administrator would (e2e tier): start it, wait for its first link dump, ask
for its status through the control socket, run CLI commands against it, stop it.

What the tests of a daemon on a namespace's cable share, in-process ones too: the
config (``daemon_config``), the windows relative to now (``hours``) and the questions
asked through the control socket (``ControlSocket``).

Deadlines are polls (``until``): the test moves on as soon as the condition holds.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.control import DaemonNotRunning, request
from monitor.errors import ControlError
from tests.support.cli import command, env
from tests.support.netns import Netns

ZONE = ZoneInfo("Asia/Tokyo")
# Windows relative to now, for configs: "clinic hours now", "a maintenance window later".
NOW = (timedelta(hours=-1), timedelta(hours=1))
LATER = (timedelta(hours=3), timedelta(hours=4))
LATEST = (timedelta(hours=5), timedelta(hours=6))


def hours(start: timedelta, end: timedelta) -> str:
    """Return an "HH:MM-HH:MM" window from now+start to now+end, local time."""
    now = datetime.now(ZONE)
    return f"{now + start:%H:%M}-{now + end:%H:%M}"


def daemon_config(
    tmp: Path,
    *,
    clinic: str,
    maintenance: str,
    settle: str = "200ms",
    indicator: str = 'kind = "none"',
    alerts: str = 'language = "en"',
    store: Path | None = None,
    socket: Path | None = None,
    extra: str = "",
) -> str:
    """Return a config's TOML: ``clinic`` hours and a ``maintenance`` window every day,
    the ``eth*`` links, the register (at ``store``, else ``tmp/state/register.db``) and
    the control socket (at ``socket``, else ``tmp/run/control.sock``); ``indicator``
    and ``alerts`` are those sections' lines, ``extra`` more sections at the end."""
    register = store or tmp / "state" / "register.db"
    socket = socket or tmp / "run" / "control.sock"
    return f"""
timezone = "Asia/Tokyo"

[[clinic]]
days = ["all"]
hours = "{clinic}"

[[maintenance]]
days = ["all"]
hours = "{maintenance}"

[link]
interfaces = ["eth*"]
settle = "{settle}"

[indicator]
{indicator}

[alerts]
{alerts}

[store]
path = "{register}"

[control]
socket = "{socket}"
{extra}"""


def smtp_alerts(url: str, *, language: str, machine: str) -> str:
    """Return the ``[alerts]`` lines of a daemon mailing to the test's SMTP server at
    ``url``, retrying fast (300 ms, at most 1 s apart)."""
    return (
        f'urls = ["{url}"]\nlanguage = "{language}"\nmachine = "{machine}"\n'
        'retry_first = "300ms"\nretry_max = "1s"'
    )


def until(fn, timeout: float, what: str):
    """Return ``fn()`` as soon as it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.02)


class ControlSocket:
    """A running daemon as the test asks it, through its control socket ``socket``."""

    socket: Path

    def status(self) -> dict:
        return request(self.socket, {"cmd": "status"}, timeout=5)

    def pattern_is(self, pattern: str) -> bool:
        return self.status()["pattern"] == pattern

    def fault(self, part: str) -> dict:
        """Return what ``status`` says of the fault of ``part`` ("register", "indicator")."""
        return self.status()["monitor"]["faults"][part]

    def answers_synced(self) -> bool:
        """Return True once the daemon answers ``status`` after its first link dump."""
        try:
            return bool(self.status()["monitor"]["synced"])
        except (DaemonNotRunning, ControlError):
            return False


class Monitor(ControlSocket):
    """``link-monitor run`` inside the namespace, driven like an administrator would."""

    def __init__(self, ns: Netns, config: Path, tmp: Path):
        self.ns = ns
        self.config = config
        self.socket = tmp / "run" / "control.sock"
        self.log_path = tmp / "daemon.log"
        self.proc: subprocess.Popen | None = None
        self.env = env(GPIOZERO_PIN_FACTORY="mock")

    def start(self) -> Monitor:
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns.name, *command(), "run", "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        log.close()
        until(self._synced, 15, "the daemon answers status after its first link dump")
        return self

    def _synced(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
        return self.answers_synced()

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*command(), *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            check=False,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
