"""The names of this machine's network interfaces (its network namespace), for the
messages that name them: check-config's warning about a pattern that matches none,
the daemon's alert that it watches none. The kernel's own list (``if_nameindex``):
no pyroute2, no psutil, works offline."""

from __future__ import annotations

import socket


def interface_names() -> list[str]:
    """Return the names of the interfaces present now, sorted; raise OSError if the
    kernel cannot be asked."""
    return sorted(name for _, name in socket.if_nameindex())
