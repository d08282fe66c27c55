"""The console indicator and the daemon's log on one terminal (a real pty).

A child process sets up the daemon's logging (``monitor.daemon.logs``) and opens the
console indicator the way the daemon does (``monitor.daemon.wiring.open_indicator``),
then logs from two threads while the patterns change and the status line blinks.
The parent replays what reached the terminal on a small screen model: every log
line stands alone and whole, the status line never shares a line with one, and at
exit the last pattern stays on its own line, the colours are reset and the cursor
is shown again.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import logging, sys, threading, time
    from monitor.config import parse_config_text
    from monitor.daemon.logs import setup_logging
    from monitor.daemon.parts import IndicatorHooks
    from monitor.daemon.wiring import open_indicator
    from monitor.domain.enums import Pattern

    setup_logging()
    config = parse_config_text('''
    [indicator]
    kind = "console"
    slow_blink = "20ms"
    fast_blink = "15ms"
    heartbeat_every = "50ms"
    heartbeat_on = "10ms"
    ''')
    noop = lambda message: None
    lamp = open_indicator(config, IndicatorHooks(noop, noop, noop))
    lamp.start_heartbeat()
    log = logging.getLogger("monitor.test")

    def chatter(name):
        for i in range(40):
            log.info("%s record %d: the quick brown fox jumps over the lazy dog", name, i)
            time.sleep(0.004)

    threads = [threading.Thread(target=chatter, args=(n,)) for n in ("left", "right")]
    for t in threads:
        t.start()
    for pattern in [Pattern.WARN, Pattern.ALARM, Pattern.ON, Pattern.WARN, Pattern.OFF] * 4:
        lamp.show(pattern)
        time.sleep(0.02)
    for t in threads:
        t.join()
    lamp.show(Pattern.ON)
    sys.exit(0)  # no close(): the indicator cleans the terminal at exit by itself
    """
)

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO    monitor\.test: (left|right) record \d+: "
    r"the quick brown fox jumps over the lazy dog$"
)
SGR = re.compile(r"\x1b\[[0-9;]*m")
LABELS = ("ONLINE", "OFFLINE", "WARN", "ALARM")


def screen_of(output: str) -> list[str]:
    """Return the terminal's lines after ``output`` (carriage return, clear line,
    newline and plain text; colours and cursor codes take no room)."""
    lines: list[list[str]] = [[]]
    col = 0
    i = 0
    while i < len(output):
        if output.startswith("\x1b[2K", i):
            lines[-1] = []
            i += 4
            continue
        m = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]").match(output, i)
        if m:
            i = m.end()
            continue
        ch = output[i]
        i += 1
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append([])
            col = 0
        else:
            line = lines[-1]
            line.extend(" " * (col - len(line)))
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
            col += 1
    return ["".join(line).rstrip() for line in lines]


def test_log_lines_never_land_on_the_status_line_and_the_terminal_is_left_clean():
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm", "PYTHONPATH": str(ROOT)}
    env.pop("NO_COLOR", None)
    env.pop("JOURNAL_STREAM", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT
    )
    os.close(slave)
    data = b""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child is gone and the pty drained
                    break
                if not chunk:
                    break
                data += chunk
            elif proc.poll() is not None:
                break
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = data.decode()
    screen = [line for line in screen_of(text) if line]
    logs = [line for line in screen if "record" in line]
    assert len(logs) == 80, f"{len(logs)} log lines on the screen"
    assert all(LOG_LINE.match(line) for line in logs), [
        line for line in logs if not LOG_LINE.match(line)
    ][:3]
    statuses = [line for line in screen if "record" not in line]
    # Only the final status line is left on the screen, alone on its line.
    assert len(statuses) == 1 and statuses[0].endswith("● 接続中 ONLINE"), statuses
    assert screen[-1] == statuses[0]
    # The status line was redrawn after the log lines (it was there meanwhile).
    assert text.count("ONLINE") > 1 and "ALARM" in text
    # Clean at exit: the cursor shown last, no colour left on.
    assert text.rindex("\x1b[?25h") > text.rindex("\x1b[?25l")
    last_colour = list(SGR.finditer(text))[-1].group()
    assert last_colour == "\x1b[0m"
    assert text.endswith("\r\n\x1b[?25h")
