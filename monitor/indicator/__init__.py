"""Indicator protocol; gpiozero device set; console; null.

CONTRACT (implemented in the indicator issue):

    class Indicator(Protocol):
        def show(self, pattern: Pattern, *, silenced: bool = False) -> None
        def start_heartbeat(self) -> None     status LED blinks while the monitor lives
        def stop_heartbeat(self) -> None      status LED off (clean shutdown)
        def state(self) -> dict               real current state, JSON-able, for `status`
        def close(self, *, keep_led: bool = True) -> None
                                              status LED and buzzer off; the main LED keeps
                                              the last pattern unless keep_led=False
    build_indicator(config: monitor.config.Indicator, *, pin_factory=None,
                    on_ack: Callable[[str], None] | None = None,
                    on_self_test: Callable[[str], None] | None = None,
                    log: logging.Logger | None = None, stream=None,
                    on_fault=None, on_restore=None) -> Indicator   (the last two: "box", "gpio")
        kind "auto": gpio, falling back to console (logged once) on BadPinFactory;
        kind "gpio": IndicatorError when no GPIO; "console"; "none"; "box" (box issue).
    on_ack(source) is called from a gpiozero thread: the daemon marshals it.

Extensions (this issue): ``pin_factory`` may be a gpiozero factory or a factory
name ("mock", "lgpio"); ``GpioIndicator.play(look)`` drives any ``Look`` (adding a
pattern, e.g. the box's ``lost``, is one ``Look`` built from ``Rhythm``s);
``GpioIndicator.self_test()``; ``close(keep_led=False)`` also releases the main
LED (call it before building a new indicator on the same pins, e.g. on reload). Sub-modules:
``looks`` (patterns as rhythms and labels), ``gpio``, ``console``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Protocol, TextIO, runtime_checkable

from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import Pattern
from monitor.errors import IndicatorError
from monitor.indicator.console import ConsoleIndicator, NullIndicator
from monitor.indicator.looks import Look, Rhythm, look_for

__all__ = [
    "ConsoleIndicator",
    "Indicator",
    "Look",
    "NullIndicator",
    "Rhythm",
    "build_indicator",
    "default_pin_factory",
    "look_for",
]

ENV_PIN_FACTORY = "GPIOZERO_PIN_FACTORY"
# gpiozero's own order of preference when $GPIOZERO_PIN_FACTORY is unset.
DEFAULT_PIN_FACTORIES = ("lgpio", "rpigpio", "pigpio", "native")


@runtime_checkable
class Indicator(Protocol):
    """Something that shows the monitor's pattern to the people at the desk."""

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None: ...

    def start_heartbeat(self) -> None: ...

    def stop_heartbeat(self) -> None: ...

    def state(self) -> dict: ...

    def close(self, *, keep_led: bool = True) -> None: ...


def default_pin_factory(name: str | None = None) -> Any:
    """Return a new gpiozero pin factory, chosen as gpiozero chooses its default:
    ``name``, else ``$GPIOZERO_PIN_FACTORY``, else the first of lgpio, rpigpio,
    pigpio, native that loads. Unlike gpiozero, never set the global
    ``Device.pin_factory``. Raise IndicatorError saying why each candidate failed."""
    name = name or os.environ.get(ENV_PIN_FACTORY) or None
    candidates = (name,) if name else DEFAULT_PIN_FACTORIES
    known = {ep.name: ep for ep in entry_points(group="gpiozero_pin_factories")}
    failures = []
    for candidate in candidates:
        ep = known.get(candidate) or known.get(candidate.lower())
        if ep is None:
            failures.append(f"{candidate}: no such pin factory")
            continue
        try:
            return ep.load()()
        # Any failure (ImportError, no /proc/device-tree, no /dev/gpiochip0) means "not here".
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{candidate}: {exc or type(exc).__name__}")
    where = f"${ENV_PIN_FACTORY}={name!r}" if name else "no GPIO on this machine"
    raise IndicatorError(f"no GPIO pin factory could be loaded ({where}): " + "; ".join(failures))


def build_indicator(
    config: IndicatorConfig,
    *,
    pin_factory: Any = None,
    on_ack: Callable[[str], None] | None = None,
    on_self_test: Callable[[str], None] | None = None,
    log: logging.Logger | None = None,
    stream: TextIO | None = None,
    on_fault: Callable[[str], None] | None = None,
    on_restore: Callable[[str], None] | None = None,
) -> Indicator:
    """Return the indicator ``config.kind`` asks for.

    ``pin_factory``: a gpiozero factory, or a factory name, for "auto"/"gpio";
    None builds the default one (see ``default_pin_factory``). With "auto", a
    machine without usable GPIO gets the console indicator (on ``stream``) and one
    warning in ``log`` saying why; with "gpio" that raises IndicatorError. "box"
    returns a ``BoxIndicator`` on ``config.port`` (never raises on a missing port:
    ``on_fault(message)`` once when the box is unreachable, ``on_restore(message)``
    when it is back; its button arrives as ``on_ack("box button")``). A GPIO
    indicator reports a pin that fails during a blink the same way.
    """
    log = log or logging.getLogger("monitor.indicator")
    kind = config.kind
    if kind == "none":
        return NullIndicator()
    if kind == "console":
        return ConsoleIndicator(config, stream=stream)
    if kind == "box":
        from monitor.indicator.box import BoxIndicator  # imports pyserial: only when needed

        # on_fault / on_restore: the box became unreachable / is back (see BoxIndicator).
        return BoxIndicator(config.port, on_ack=on_ack, on_fault=on_fault, on_restore=on_restore)
    try:
        factory = pin_factory
        owns = factory is None or isinstance(factory, str)
        if owns:
            factory = default_pin_factory(factory)
        from monitor.indicator.gpio import GpioIndicator  # imports gpiozero: only when needed

        try:
            return GpioIndicator(config, factory, on_ack=on_ack, on_self_test=on_self_test,
                                 on_fault=on_fault, on_restore=on_restore, log=log,
                                 owns_factory=owns)
        except IndicatorError:
            if owns:
                factory.close()  # e.g. lgpio keeps /dev/gpiochip0 open otherwise
            raise
    except IndicatorError as exc:
        if kind == "gpio":
            raise IndicatorError(f'indicator kind "gpio": {exc}') from exc
        log.warning("indicator: no usable GPIO, using the console instead (%s)", exc)
        return ConsoleIndicator(config, stream=stream)
