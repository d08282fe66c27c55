"""Unix-socket JSON-lines protocol: status, permit, ack, reload (server and client).

Implemented in the daemon issue.
"""

from __future__ import annotations
