"""The indicator box's program (``link-monitor box``, on the Raspberry Pi beside the PC).

It shows the pattern the PC's monitor sends over the serial line, and ``lost`` when
the PC falls silent; its button acknowledges the alarm on the PC. The link is
``monitor.boxlink``; what the box shows, and how, is a ``BoxDisplay`` handed in (the
command builds it with ``monitor.indicator.build_box_display``): this adapter never
imports the indicator package.

    runner, display = start_box(port, lambda on_ack: build_box_display(config, on_ack=on_ack))
    ...
    runner.close(); display.close()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor.box.runner import BoxDisplay, BoxRunner
from monitor.boxlink import LOST_AFTER

__all__ = ["LOST_AFTER", "BoxDisplay", "BoxRunner", "start_box"]

MakeDisplay = Callable[[Callable[[str], None]], BoxDisplay]


def start_box(
    port: str, make_display: MakeDisplay, *, lost_after: float = LOST_AFTER, **link: Any
) -> tuple[BoxRunner, BoxDisplay]:
    """Build the display with ``make_display(on_ack)`` and start the box's link on
    ``port``; return ``(runner, display)``. The caller closes the runner, then the display.

    ``on_ack(source)`` (the box's button) sends an acknowledgement to the PC. What
    ``make_display`` raises (IndicatorError: no GPIO) propagates; if the runner
    cannot be built the display is closed. ``link``: ``LinkEnd`` options (backoff).
    """
    holder: dict[str, BoxRunner] = {}

    def on_ack(source: str) -> None:
        runner = holder.get("runner")
        if runner is not None:
            runner.ack(source)

    display = make_display(on_ack)
    try:
        holder["runner"] = BoxRunner(port, display, lost_after=lost_after, **link)
    except Exception:
        display.close()
        raise
    return holder["runner"], display
