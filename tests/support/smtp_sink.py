"""A real SMTP server (aiosmtpd) as its own process, for tests that need it inside a
network namespace (``ip netns exec NS python -m tests.support.smtp_sink ...``).

Each accepted message is written to ``DIR/NNNNNN.eml`` (atomically: a temporary name,
then a rename). The process prints ``ready`` once it listens and runs until SIGTERM.

    with SmtpSink(tmp_path / "mail", netns=ns.name) as smtp:
        smtp.url                             # apprise URL that delivers to it
        smtp.wait_for(lambda ms: ..., 5)     # poll the received messages
        smtp.stop(); smtp.start()            # down / up again on the same port
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from monitor.compat import Self

ROOT = Path(__file__).resolve().parents[2]


class _Handler:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = len(list(folder.glob("*.eml")))
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.count += 1
            name = f"{self.count:06d}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(raw)
        os.rename(tmp, self.folder / name)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", type=Path, required=True)
    args = ap.parse_args(argv)
    from aiosmtpd.controller import Controller

    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Handler(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()


class SmtpSink:
    """The sink process, optionally inside a network namespace; restartable on one port."""

    def __init__(self, folder: Path, *, port: int = 2525, netns: str | None = None):
        self.folder = Path(folder)
        self.port = port
        self.netns = netns
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=link-monitor@example.jp&to=kenko@example.jp"

    def start(self) -> Self:
        argv = [
            sys.executable,
            "-m",
            "tests.support.smtp_sink",
            "--port",
            str(self.port),
            "--dir",
            str(self.folder),
        ]
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns, *argv]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"SMTP sink did not start (said {line!r})")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc = None

    def messages(self) -> list[EmailMessage]:
        """Return every message received so far, oldest first."""
        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(self.folder.glob("*.eml"))
        ]

    def subjects(self) -> list[str]:
        return [str(m["subject"]) for m in self.messages()]

    def wait_for(self, predicate, timeout: float, what: str = "") -> list[EmailMessage]:
        """Return the messages once ``predicate(messages)`` holds; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages()
            if predicate(msgs):
                return msgs
            if time.monotonic() > deadline:
                subjects = [str(m["subject"]) for m in msgs]
                raise AssertionError(f"not within {timeout}s: {what}; mail so far: {subjects}")
            time.sleep(0.05)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    main()
