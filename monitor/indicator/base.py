"""What every indicator offers (the protocol the daemon and the commands use)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from monitor.domain.enums import Pattern

# Called with a source or a message, from an indicator's own thread.
Callback = Callable[[str], None]


@runtime_checkable
class Indicator(Protocol):
    """Something that shows the monitor's pattern to the people at the desk."""

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None: ...

    def start_heartbeat(self) -> None: ...

    def stop_heartbeat(self) -> None: ...

    def state(self) -> dict[str, Any]: ...

    def close(self, *, keep_led: bool = True) -> None: ...
