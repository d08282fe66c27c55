"""The daemon: the asyncio loop that wires the parts (layer 4).

One asyncio loop owns every side effect (DESIGN.md, "Data flow"). Modules, one idea
each:

- ``core``: ``Daemon``, lifecycle (run, stop, shutdown), inputs through the engine;
- ``parts`` / ``ports`` / ``wiring``: the one seam (``Parts``), the Protocols the
  daemon knows its parts by, and the real parts (the only module that imports
  concrete adapters);
- ``runtime``: the shared state (config in force, engine state, open parts);
- ``effects``: a step's effects in restart-safe order; ``lamp``: the indicator;
  ``writes``: the register write queue; ``alerting``: the outbox worker and the
  daemon's own alerts; ``traffic``: a session's byte counts;
- ``faults``: health, one alert per episode, backoff; ``timers``: wake-up,
  heartbeat, heap trim; ``holidays``: holiday tables loaded ahead of New Year;
- ``watching``: the link watcher's loop; ``requests`` and ``reloading``: the
  control socket's requests; ``status``: the status line and reply; ``logs``.

Restart safety. An alert is written to the outbox *before* the session row that
records it (``effects``). On start the open session is restored from the register
with its ``last_seen``; the watcher's dump and ``Synced`` then tell the engine
whether it continues. On a clean stop the session is left open (with ``last_seen``).

Faults. One failing effect is logged with the input that caused it, raised as a
``monitor`` alert once per fault episode, and retried with exponential backoff;
monitoring goes on. Register writes that fail are kept, in order, and written when
the register works again.

Memory. The holiday library and apprise are used through ``monitor.children``: the
full config check, the holiday tables and every send run in short-lived child
processes, so an idle daemon does not hold those libraries.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.config import Config
from monitor.daemon.core import Daemon
from monitor.daemon.faults import Fault
from monitor.daemon.logs import quiet_libraries, setup_logging
from monitor.daemon.parts import Clock, IndicatorHooks, Parts, Timing
from monitor.daemon.wiring import build_parts, prewarm
from monitor.schedule import HolidayTable

__all__ = [
    "Clock",
    "Daemon",
    "Fault",
    "IndicatorHooks",
    "Parts",
    "Timing",
    "build_parts",
    "prewarm",
    "quiet_libraries",
    "run_daemon",
    "setup_logging",
]


def run_daemon(
    config: Config, source: str, *, config_path: Path | None, holidays: HolidayTable | None = None
) -> int:
    """Run the monitor in the foreground until stopped; return the exit status.
    ``holidays``: the schedule's holiday source (see ``offload.load_checked``)."""
    daemon = Daemon(config, build_parts(holidays=holidays), source=source, config_path=config_path)
    try:
        return asyncio.run(daemon.run())
    except KeyboardInterrupt:
        return 0
