"""Wiring: the asyncio loop, signals, sd_notify/watchdog.

Implemented in the daemon issue.
"""

from __future__ import annotations
