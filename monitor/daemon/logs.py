"""The daemon's logging: stderr, with syslog priorities for journald."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

#: Libraries whose debug and info lines are not ours to show (pyroute2 logs every
#: netlink message it parses at DEBUG, a few KiB each).
_NOISY = ("asyncio", "pyroute2", "apprise")

_JOURNAL_PRIORITY = {
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}


def setup_logging(*, verbose: bool = False) -> None:
    """Log to stderr; journald adds its own timestamps, so leave them out there and
    prefix each line with its syslog priority (``<3>``) for journald to file it."""
    journal = bool(os.environ.get("JOURNAL_STREAM"))
    handler = StatusLineHandler()
    if journal:
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(quiet_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    quiet_libraries()


def quiet_libraries() -> None:
    """Set the noisy libraries' loggers to WARNING. Again after importing pyroute2:
    its import resets its logger to NOTSET (pyroute2/config/log.py), which would let
    ``-v`` format every netlink message in the event loop."""
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def quiet_filter(record: logging.LogRecord) -> bool:
    """The handler's guard for the same rule, whatever a library does to its logger."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_NOISY)


class JournalFormatter(logging.Formatter):
    """Prefix every line of a record with its syslog priority (``<4>``)."""

    def format(self, record: logging.LogRecord) -> str:
        prio = _JOURNAL_PRIORITY.get(record.levelno, 6)
        text = super().format(record)
        return "\n".join(f"<{prio}>{line}" for line in text.splitlines())


#: ``around(write)``: run ``write`` with a status line on the same terminal out of its way.
Around = Callable[[Callable[[], None]], None]


class StatusLineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The daemon's stderr handler: a status line drawn on the same terminal (the
    console indicator's) is kept off the log lines through ``around``."""

    def __init__(self) -> None:
        super().__init__()
        self.around: Around | None = None

    def emit(self, record: logging.LogRecord) -> None:
        around = self.around
        if around is None:
            super().emit(record)
        else:
            around(lambda: super(StatusLineHandler, self).emit(record))


def keep_off_status_line(around: Around) -> bool:
    """Send the root logger's handlers that write to a terminal through ``around``
    (a console indicator's ``write_around``); return whether there was one."""
    found = False
    for handler in logging.getLogger().handlers:
        if isinstance(handler, StatusLineHandler) and _isatty(handler.stream):
            handler.around = around
            found = True
    return found


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
