"""A desktop notification through the freedesktop notification service (D-Bus), when
an alarm starts. ``notify-send`` if installed, else ``gdbus``; nothing (and no error)
where the desktop has no session bus or neither program exists."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

APP = "link-monitor"


def has_session_bus(environ: Mapping[str, str] | None = None) -> bool:
    """Return True when the desktop session's D-Bus can be reached: ``$DBUS_SESSION_BUS_
    ADDRESS`` is set, or ``$XDG_RUNTIME_DIR/bus`` exists (systemd's user bus)."""
    env = os.environ if environ is None else environ
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    return runtime is not None and runtime != "" and Path(runtime, "bus").exists()


def command(title: str, body: str) -> list[str] | None:
    """Return the command that shows the notification, or None when there is none."""
    if shutil.which("notify-send"):
        return ["notify-send", "--urgency=critical", f"--app-name={APP}", "--", title, body]
    if shutil.which("gdbus"):
        # Typed GVariant text: without the service's introspection (or with a title
        # that looks like a number) gdbus would guess the types wrong.
        return [
            "gdbus", "call", "--session",
            "--dest", "org.freedesktop.Notifications",
            "--object-path", "/org/freedesktop/Notifications",
            "--method", "org.freedesktop.Notifications.Notify",
            _text(APP), "uint32 0", _text("dialog-warning"), _text(title), _text(body),
            "@as []", "{'urgency': <byte 2>}", "int32 0",
        ]  # fmt: skip
    return None


def _text(value: str) -> str:
    """Return ``value`` as a GVariant text string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def notify(title: str, body: str) -> bool:
    """Show a notification in a background thread; return whether one was attempted."""
    if not has_session_bus():
        return False
    cmd = command(title, body)
    if cmd is None:
        return False
    threading.Thread(target=_run, args=(cmd,), name="lamp-notify", daemon=True).start()
    return True


def _run(cmd: list[str]) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("desktop notification failed: %s", exc)
        return
    if done.returncode:
        log.info("desktop notification failed: %s", done.stderr.decode(errors="replace").strip())
