"""What the screen lamp shows: a ``Face`` for each line of the status stream, and the
grey one of a monitor that is gone or silent. Pure: no Tk, no socket.

The blink rhythms are the LED's (``monitor.indicator.looks.look_for``); the lamp
rings the bell while the buzzer would beep. A stopped monitor is grey with its own
words, never the calm blue of "offline", so a dead monitor cannot look like
"nothing plugged in".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import LookName, Part, Pattern
from monitor.indicator.looks import Drive, Rhythm, look_for
from monitor.texts import t

STOPPED = "stopped"


@dataclass(frozen=True)
class Palette:
    """The lamp's colour when lit and when dark, the window's background and text."""

    lit: str
    dark: str
    background: str
    text: str = "#1a1a1a"


PALETTES: dict[str, Palette] = {
    # Offline is the normal state: a calm blue lamp (the LED is off, but a dark or
    # grey circle on screen would read as "the program is dead").
    LookName.OFF: Palette("#2f6db5", "#2f6db5", "#e4edf7"),
    LookName.ON: Palette("#1f9d3a", "#1f9d3a", "#e3f3e6"),
    LookName.WARN: Palette("#f2a900", "#5a4300", "#fcf1d4"),
    LookName.ALARM: Palette("#e31b1b", "#4d0808", "#fbdede"),
    STOPPED: Palette("#8c8c8c", "#8c8c8c", "#bdbdbd"),
}


@dataclass(frozen=True)
class Face:
    """Everything the window shows: ``name`` (a look or ``stopped``), the colours,
    the big ``label`` and the ``hint`` below it, the lamp's ``led`` (off = dark,
    on = lit, a ``Rhythm`` = blinking), the bell's rhythm (``beep``, None = quiet),
    whether the 確認 button shows (``can_ack``) and the window's ``title``."""

    name: str
    palette: Palette
    label: str
    hint: str
    led: Drive
    beep: Rhythm | None
    can_ack: bool
    title: str


def _pattern(value: Any) -> Pattern | None:
    try:
        return Pattern(value)
    except ValueError:
        return None


def _hint(language: str, pattern: Pattern, silenced: bool, faults: list[str]) -> str:
    hint = t(language, "lamp.hint.silenced" if silenced else f"lamp.hint.{pattern}")
    if faults:
        parts = "、".join(t(language, f"lamp.part.{p}") for p in faults if _known_part(p))
        hint = f"{hint}\n{t(language, 'lamp.faults', parts=parts or ', '.join(faults))}"
    return hint


def _known_part(name: str) -> bool:
    return name in {p.value for p in Part}


def face_for(line: dict[str, Any], language: str, config: IndicatorConfig) -> Face:
    """Return the face of a ``state`` line of the status stream (in ``language``); a
    line without a pattern the lamp knows is shown as a stopped monitor."""
    pattern = _pattern(line.get("pattern"))
    if pattern is None:
        return stopped_face(language)
    silenced = bool(line.get("silenced")) and pattern is Pattern.ALARM
    look = look_for(pattern, silenced, config)
    # Silenced or not, the same words: the hint says the buzzer was stopped.
    label = t(language, f"indicator.look.{pattern}")
    faults = [str(f) for f in line.get("faults") or []]
    beep = look.buzzer if isinstance(look.buzzer, Rhythm) else None
    return Face(
        name=str(pattern),
        palette=PALETTES[LookName(pattern)],
        label=label,
        hint=_hint(language, pattern, silenced, faults),
        led=look.led,
        beep=beep,
        can_ack=bool(line.get("can_ack")),
        title=t(language, "lamp.title"),
    )


def stopped_face(language: str) -> Face:
    """Return the grey face of a monitor that is gone or silent."""
    return Face(
        name=STOPPED,
        palette=PALETTES[STOPPED],
        label=t(language, "lamp.stopped"),
        hint=t(language, "lamp.stopped_hint"),
        led=True,
        beep=None,
        can_ack=False,
        title=t(language, "lamp.title"),
    )


def alarm_started(before: Face | None, after: Face) -> bool:
    """Return True when ``after`` is a sounding alarm that ``before`` was not."""
    sounding = after.name == LookName.ALARM and after.beep is not None
    was = before is not None and before.name == LookName.ALARM and before.beep is not None
    return sounding and not was
