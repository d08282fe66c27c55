"""sd_notify by hand: READY=1, STATUS=, WATCHDOG=1, STOPPING=1 to ``$NOTIFY_SOCKET``.

The protocol is one AF_UNIX datagram per message, newline-separated
``KEY=value`` lines, UTF-8. ``@`` at the start of the address means the
abstract namespace (a leading NUL byte). We write it ourselves because the
``sdnotify`` package encodes as Latin-1 and drops Japanese STATUS text.

Outside systemd (no ``$NOTIFY_SOCKET``) every call is a no-op. A failing send
is logged once and never raised: the monitor must not stop because systemd
went away.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from monitor.texts import has, t
from monitor.texts.formats import short_duration

log = logging.getLogger(__name__)


class SystemdNotifier:
    """Sends state changes to the service manager, if there is one."""

    def __init__(self, address: str | None = None, *, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = address if address is not None else env.get("NOTIFY_SOCKET", "")
        self._watchdog_usec = env.get("WATCHDOG_USEC", "")
        self._watchdog_pid = env.get("WATCHDOG_PID", "")
        self._sock: socket.socket | None = None
        self._warned = False
        self.sent = 0

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def watchdog_interval(self) -> timedelta | None:
        """Return how often to send ``WATCHDOG=1`` (half of ``WatchdogSec=``), or None
        when no watchdog is asked for (or it is meant for another process)."""
        if not self._watchdog_usec:
            return None
        if self._watchdog_pid and self._watchdog_pid != str(os.getpid()):
            return None
        try:
            usec = int(self._watchdog_usec)
        except ValueError:
            return None
        if usec <= 0:
            return None
        return timedelta(microseconds=usec / 2)

    def _target(self) -> str | bytes:
        if self.address.startswith("@"):
            return b"\0" + self.address[1:].encode("utf-8")
        return self.address

    def send(self, *lines: str) -> bool:
        """Send one datagram of ``KEY=value`` lines; return True when it left."""
        if not self.enabled:
            return False
        payload = "\n".join(line.replace("\n", " ") for line in lines).encode("utf-8")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.setblocking(False)
            self._sock.sendto(payload, self._target())
        except OSError as exc:
            if not self._warned:
                log.warning("sd_notify to %s failed: %s", self.address, exc)
                self._warned = True
            return False
        self.sent += 1
        return True

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def reloading(self) -> bool:
        return self.send("RELOADING=1")

    def stopping(self, status: str = "") -> bool:
        return self.send("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def format_status(
    *,
    online: bool,
    since: timedelta | None,
    period: str,
    pattern: str,
    language: str = "ja",
    pending: int = 0,
    silenced: bool = False,
) -> str:
    """Return the one-line state for systemd's STATUS=.

    ``"接続中 12分, 診療時間: 警報"`` / ``"online 12m, clinic hours: ALARM"``;
    ``"未接続, 時間外: 消灯"`` / ``"offline, off-hours: off"``; a queued-alert count is added."""
    lang = "ja" if language == "ja" else "en"
    if not online:
        head = t(lang, "words.link.offline")
    elif since is not None:
        head = t(lang, "statusline.online_for", elapsed=short_duration(since, lang))
    else:
        head = t(lang, "words.link.online")
    period_text = _name(lang, "period", str(period))
    pattern_text = _name(lang, "pattern", str(pattern))
    if silenced and str(pattern) == "alarm":
        pattern_text = t(lang, "statusline.acknowledged", pattern=pattern_text)
    text = t(lang, "statusline.line", head=head, period=period_text, pattern=pattern_text)
    if pending:
        text += t(lang, "statusline.queued", count=pending)
    return text


def _name(language: str, kind: str, value: str) -> str:
    """Return the catalog's name of a period or pattern; an unknown one as it is."""
    key = f"words.{kind}.{value}"
    return t(language, key) if has(language, key) else value
