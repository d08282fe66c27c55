"""Choosing and building the indicator the config asks for."""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points
from typing import Any, TextIO

from monitor.errors import IndicatorError
from monitor.indicator.base import Callback, Indicator
from monitor.indicator.console import ConsoleIndicator, NullIndicator
from monitor.indicator.settings import IndicatorConfig

ENV_PIN_FACTORY = "GPIOZERO_PIN_FACTORY"
# gpiozero's own order of preference when $GPIOZERO_PIN_FACTORY is unset.
DEFAULT_PIN_FACTORIES = ("lgpio", "rpigpio", "pigpio", "native")


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
    on_ack: Callback | None = None,
    on_self_test: Callback | None = None,
    log: logging.Logger | None = None,
    stream: TextIO | None = None,
    on_fault: Callback | None = None,
    on_restore: Callback | None = None,
    kind: str | None = None,
) -> Indicator:
    """Return the indicator ``config.kind`` (or ``kind``, when given) asks for.

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
    kind = kind or config.kind
    if kind == "none":
        return NullIndicator()
    if kind == "console":
        return ConsoleIndicator(config, stream=stream)
    if kind == "box":
        from monitor.indicator.box import BoxIndicator  # the serial link: only when needed

        if not config.port:  # the config requires a port for kind "box"
            raise IndicatorError('indicator kind "box" needs indicator.port')
        # on_fault / on_restore: the box became unreachable / is back (see BoxIndicator).
        return BoxIndicator(config.port, on_ack=on_ack, on_fault=on_fault, on_restore=on_restore)
    try:
        factory = pin_factory
        owns = factory is None or isinstance(factory, str)
        if owns:
            factory = default_pin_factory(factory)
        from monitor.indicator.gpio import GpioIndicator  # imports gpiozero: only when needed

        try:
            return GpioIndicator(
                config,
                factory,
                on_ack=on_ack,
                on_self_test=on_self_test,
                on_fault=on_fault,
                on_restore=on_restore,
                log=log,
                owns_factory=owns,
            )
        except IndicatorError:
            if owns:
                factory.close()  # e.g. lgpio keeps /dev/gpiochip0 open otherwise
            raise
    except IndicatorError as exc:
        if kind == "gpio":
            raise IndicatorError(f'indicator kind "gpio": {exc}') from exc
        log.warning("indicator: no usable GPIO, using the console instead (%s)", exc)
        return ConsoleIndicator(config, stream=stream)
