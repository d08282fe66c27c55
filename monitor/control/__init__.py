"""The control socket (Unix, JSON lines): status, permit, ack, reload.

    protocol  typed requests, ``parse_request``, ``encode`` (pure)
    errors    ``BadRequest``, ``DaemonNotRunning``, ``DaemonError`` and the texts
    server    ``ControlServer``, ``bind_socket`` (asyncio; the daemon runs it)
    client    ``request()`` (synchronous and light; the CLI sends it)

The names are also importable from this package, each loaded on first use: importing
``monitor.control`` (or its ``client``) never imports asyncio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.control.client import follow, request
    from monitor.control.errors import BadRequest, DaemonError, DaemonNotRunning
    from monitor.control.protocol import (
        AckRequest,
        CancelRequest,
        Peer,
        PermitRequest,
        ReloadRequest,
        ReportRequest,
        Request,
        StatusRequest,
        encode,
        login_uid_of,
        parse_request,
    )
    from monitor.control.server import ControlServer, Handler, bind_socket

_WHERE = {
    "request": "client",
    "follow": "client",
    "BadRequest": "errors",
    "DaemonError": "errors",
    "DaemonNotRunning": "errors",
    "AckRequest": "protocol",
    "CancelRequest": "protocol",
    "ReportRequest": "protocol",
    "login_uid_of": "protocol",
    "Peer": "protocol",
    "PermitRequest": "protocol",
    "ReloadRequest": "protocol",
    "Request": "protocol",
    "StatusRequest": "protocol",
    "encode": "protocol",
    "parse_request": "protocol",
    "ControlServer": "server",
    "Handler": "server",
    "bind_socket": "server",
}

__all__ = [
    "AckRequest",
    "BadRequest",
    "CancelRequest",
    "ControlServer",
    "DaemonError",
    "DaemonNotRunning",
    "Handler",
    "Peer",
    "PermitRequest",
    "ReloadRequest",
    "ReportRequest",
    "Request",
    "StatusRequest",
    "bind_socket",
    "encode",
    "follow",
    "login_uid_of",
    "parse_request",
    "request",
]


def __getattr__(name: str) -> Any:
    """Return ``name`` from the submodule that defines it, importing that on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
