"""Indicator protocol; gpiozero device set; console; null.

CONTRACT (implemented in the indicator issue):

    class Indicator(Protocol):
        def show(self, pattern: Pattern, *, silenced: bool = False) -> None
        def start_heartbeat(self) -> None     status LED blinks while the monitor lives
        def stop_heartbeat(self) -> None      status LED off (clean shutdown)
        def state(self) -> dict               real current state, JSON-able, for `status`
        def close(self) -> None
    build_indicator(config: monitor.config.Indicator, *, pin_factory=None,
                    on_ack: Callable[[str], None] | None = None,
                    on_self_test: ... = None) -> Indicator
        kind "auto": gpio, falling back to console (logged once) on BadPinFactory;
        kind "gpio": IndicatorError when no GPIO; "console"; "none"; "box" (box issue).
    on_ack(source) is called from a gpiozero thread: the daemon marshals it.
"""

from __future__ import annotations
