"""Indicator protocol; gpiozero device set; console; null.

CONTRACT:

    class Indicator(Protocol):
        def show(self, pattern: Pattern, *, silenced: bool = False) -> None
        def start_heartbeat(self) -> None     status LED blinks while the monitor lives
        def stop_heartbeat(self) -> None      status LED off (clean shutdown)
        def state(self) -> dict               real current state, JSON-able, for `status`
        def close(self, *, keep_led: bool = True) -> None
                                              status LED and buzzer off; the main LED keeps
                                              the last pattern unless keep_led=False
    build_indicator(config: monitor.indicator.settings.IndicatorConfig, *, pin_factory=None,
                    on_ack: Callable[[str], None] | None = None,
                    on_self_test: Callable[[str], None] | None = None,
                    log: logging.Logger | None = None, stream=None,
                    on_fault=None, on_restore=None) -> Indicator   (the last two: "box", "gpio")
        kind "auto": gpio, falling back to console (logged once) on BadPinFactory;
        kind "gpio": IndicatorError when no GPIO; "console"; "none"; "box".
    on_ack(source) is called from a gpiozero thread: the daemon marshals it.

Also: ``pin_factory`` may be a gpiozero factory or a factory
name ("mock", "lgpio"); ``GpioIndicator.play(look)`` drives any ``Look`` (adding a
pattern, e.g. the box's ``lost``, is one ``Look`` built from ``Rhythm``s);
``GpioIndicator.self_test()``; ``close(keep_led=False)`` also releases the main
LED (call it before building a new indicator on the same pins, e.g. on reload).

Modules (none imports this package's ``__init__``): ``base`` (the protocol),
``build`` (build_indicator, default_pin_factory), ``looks`` (patterns as rhythms and
labels), ``console`` (console, null), ``gpio`` and ``outputs`` (gpiozero),
``box`` (the PC's end of the indicator box link), ``boxdisplay`` (what the Pi's box
program shows on a gpiozero indicator: the PC's pattern or ``lost``).
"""

from __future__ import annotations

from monitor.indicator.base import Callback, Indicator
from monitor.indicator.boxdisplay import (
    CHIRP_EVERY,
    IndicatorDisplay,
    build_box_display,
    lost_look,
)
from monitor.indicator.build import (
    DEFAULT_PIN_FACTORIES,
    ENV_PIN_FACTORY,
    build_indicator,
    default_pin_factory,
)
from monitor.indicator.console import ConsoleIndicator, NullIndicator
from monitor.indicator.looks import Look, Rhythm, look_for

__all__ = [
    "CHIRP_EVERY",
    "DEFAULT_PIN_FACTORIES",
    "ENV_PIN_FACTORY",
    "Callback",
    "ConsoleIndicator",
    "Indicator",
    "IndicatorDisplay",
    "Look",
    "NullIndicator",
    "Rhythm",
    "build_box_display",
    "build_indicator",
    "default_pin_factory",
    "look_for",
    "lost_look",
]
