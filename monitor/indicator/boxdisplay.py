"""What the Pi's indicator box shows on its gpiozero indicator: the PC's pattern, or ``lost``.

``monitor.box.BoxRunner`` decides *when* (it follows the PC's messages and notices
their absence); this module says *how* it looks. ``build_box_display`` builds the
box's indicator and wraps it for the runner.
"""

from __future__ import annotations

from typing import Any

from monitor.domain.enums import LookName, Pattern
from monitor.indicator.base import Callback
from monitor.indicator.build import build_indicator
from monitor.indicator.looks import Look, Rhythm, labels
from monitor.indicator.settings import IndicatorConfig

CHIRP_EVERY = 60.0  # s between two chirps while `lost`


def lost_look(config: IndicatorConfig, *, chirp_every: float = CHIRP_EVERY) -> Look:
    """Return the ``lost`` look: a double blink on the main LED (``fast_blink`` on,
    off, on, then off for four times as long) and one ``beep``-long chirp every
    ``chirp_every`` s. Distinct from every engine pattern, never steady, never dark."""
    blink = config.fast_blink.total_seconds()
    beep = config.beep.total_seconds()
    label_ja, label_en = labels(LookName.LOST)
    return Look(
        LookName.LOST,
        led=Rhythm((blink, blink, blink, 4 * blink)),
        buzzer=Rhythm((beep, max(beep, chirp_every - beep))),
        label_ja=label_ja,
        label_en=label_en,
    )


class IndicatorDisplay:
    """The box's display on a gpiozero indicator: the PC's pattern with the status LED
    flashing (the PC's monitor lives), or ``lost`` with the status LED dark.

    ``indicator`` must offer ``play(look)`` besides the Indicator protocol
    (``monitor.indicator.gpio.GpioIndicator`` and the console indicator do)."""

    def __init__(
        self, indicator: Any, config: IndicatorConfig, *, chirp_every: float = CHIRP_EVERY
    ):
        self.indicator = indicator
        self._lost = lost_look(config, chirp_every=chirp_every)

    def show(self, pattern: Pattern, *, silenced: bool) -> None:
        self.indicator.show(pattern, silenced=silenced)
        self.indicator.start_heartbeat()

    def lost(self) -> None:
        self.indicator.stop_heartbeat()
        self.indicator.play(self._lost)

    def state(self) -> dict[str, Any]:
        """Return the indicator's ``state()``."""
        state: dict[str, Any] = self.indicator.state()
        return state

    def close(self) -> None:
        """Close the indicator (its main LED keeps the last look while the process lives)."""
        self.indicator.close()


def build_box_display(
    config: IndicatorConfig,
    *,
    pin_factory: Any = None,
    on_ack: Callback | None = None,
    chirp_every: float = CHIRP_EVERY,
) -> IndicatorDisplay:
    """Build the box's indicator and return its display (``.indicator`` is the indicator).

    The indicator is the gpiozero one (pins and timings from ``config``, pin factory
    ``pin_factory`` or from $GPIOZERO_PIN_FACTORY); kind "console" is honoured for
    trying the box on a desktop, any other kind means GPIO, so a box whose GPIO is
    broken fails loudly instead of falling back to a console nobody sees. Raise
    IndicatorError if the GPIO devices cannot be set up. The button calls
    ``on_ack(source)``; holding it runs the indicator's self-test.
    """
    kind = "console" if config.kind == "console" else "gpio"
    indicator = build_indicator(config, pin_factory=pin_factory, on_ack=on_ack, kind=kind)
    try:
        return IndicatorDisplay(indicator, config, chirp_every=chirp_every)
    except Exception:
        indicator.close()
        raise
