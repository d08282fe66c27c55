"""The daemon's logging: stderr, with syslog priorities for journald."""

from __future__ import annotations

import logging
import os

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
    handler = logging.StreamHandler()
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
