"""Byte counters of the session's interfaces (psutil)."""

from __future__ import annotations

from collections.abc import Iterable


def traffic(interfaces: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Return ``{name: (bytes_sent, bytes_received)}`` for those of ``interfaces`` present now.

    Counters are the kernel's since the interface appeared (they restart when it is
    re-created); the session takes differences. Missing interfaces are left out.
    """
    import psutil

    counters = psutil.net_io_counters(pernic=True)
    return {
        name: (counters[name].bytes_sent, counters[name].bytes_recv)
        for name in interfaces
        if name in counters
    }
