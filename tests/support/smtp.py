"""A real SMTP server on loopback for alert tests (aiosmtpd), stoppable and restartable
on the same port so a test can play "mail server down, then back".

    with SmtpServer() as smtp:           # free port on 127.0.0.1, started
        smtp.url                         # apprise mailto:// URL that sends to it
        smtp.wait_for(1, timeout=5)      # block until n messages arrived
        smtp.messages[0].message         # email.message.EmailMessage (policy.default)
        smtp.stop(); smtp.start()        # down / up again, same port
        SmtpServer(hold="quit")          # hold the client after it sent (or at "data":
                                         # before accepting); smtp.held / smtp.release
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from monitor.compat import Self


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Received:
    raw: bytes
    message: EmailMessage
    mail_from: str
    rcpt_tos: tuple[str, ...]
    at: float  # time.monotonic() when the DATA was accepted


class _Handler:
    def __init__(self, server: SmtpServer):
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._server.reject_rcpt:
            return self._server.reject_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def _held(self, where: str) -> bool:
        """Hold the client here until ``release`` while ``hold == where``; return True
        when the held message is to be refused (``refuse_held``)."""
        srv = self._server
        if srv.hold != where:
            return False
        srv.held.set()
        while not srv.release.is_set():
            await asyncio.sleep(0.01)
        return srv.refuse_held

    async def handle_QUIT(self, server, session, envelope):
        await self._held("quit")
        return "221 Bye"

    async def handle_DATA(self, server, session, envelope):
        if await self._held("data"):
            return "451 4.3.0 try again later"
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self._server._add(
            Received(raw, msg, envelope.mail_from, tuple(envelope.rcpt_tos), time.monotonic())
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 (no TLS, no AUTH), collecting every message it accepts."""

    sender = "link-monitor@example.jp"
    recipient = "kenko@example.jp"

    def __init__(
        self, port: int | None = None, *, reject_rcpt: str | None = None, hold: str | None = None
    ):
        self.port = port or free_port()
        self.reject_rcpt = reject_rcpt  # e.g. "550 5.1.1 no such user"
        # "data": hold the client before its message is accepted; "quit": after (the
        # client waits for the answer to QUIT). ``held`` is set when a client is held;
        # ``release`` lets it go (refused with 451 when ``refuse_held``, at "data").
        self.hold = hold
        self.held = threading.Event()
        self.release = threading.Event()
        self.refuse_held = False
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self._controller = None

    @property
    def url(self) -> str:
        """Return the apprise URL that delivers to this server (plain SMTP, custom port)."""
        return f"mailto://127.0.0.1:{self.port}?from={self.sender}&to={self.recipient}"

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _add(self, received: Received) -> None:
        with self._cond:
            self.messages.append(received)
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float) -> list[Received]:
        """Return the messages once at least ``n`` arrived; fail the test after ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= n, timeout=timeout):
                raise AssertionError(
                    f"{len(self.messages)} of {n} message(s) arrived within {timeout}s"
                )
            return list(self.messages)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
