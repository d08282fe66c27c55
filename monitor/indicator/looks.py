"""What each indicator pattern looks like: rhythms for the LED and buzzer, and labels.

A ``Look`` says what the main LED and the buzzer do; ``look_for(pattern, silenced,
config)`` maps the engine's ``Pattern`` onto one, with the timings from the config.
Any other look (the indicator box's ``lost``) is built the same way and handed to
``GpioIndicator.play``: adding a pattern means adding a ``Look``, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.domain.enums import LookName, OutputState, Pattern
from monitor.indicator.settings import IndicatorConfig
from monitor.texts import t


@dataclass(frozen=True)
class Rhythm:
    """Alternating on and off times in seconds, starting with *on*.

    ``Rhythm((0.2, 0.2))`` is a plain blink; ``Rhythm((0.15, 0.15, 0.15, 1.55))`` a
    double blink. The whole sequence repeats ``n`` times, or forever when ``n`` is
    None; a finite rhythm ends with the output off. Raise ValueError if the steps
    are not an even number of positive times, or ``n`` is not None or >= 1.
    """

    steps: tuple[float, ...]
    n: int | None = None

    def __post_init__(self) -> None:
        if len(self.steps) < 2 or len(self.steps) % 2:
            raise ValueError(f"a rhythm needs pairs of on/off times, got {self.steps!r}")
        if any(t <= 0 for t in self.steps):
            raise ValueError(f"rhythm times must be greater than zero, got {self.steps!r}")
        if self.n is not None and self.n < 1:
            raise ValueError(f"a rhythm repeats at least once, got n={self.n!r}")

    @classmethod
    def blink(cls, on: float, off: float | None = None, n: int | None = None) -> Rhythm:
        """Return a plain blink: ``on`` seconds on, ``off`` (default: ``on``) seconds off."""
        return cls((on, on if off is None else off), n)


# What one output does: False = off, True = steadily on, a Rhythm = blinking.
Drive = bool | Rhythm


def describe_drive(drive: Drive) -> OutputState:
    """Return off, on or blinking for ``drive`` (what ``state()`` reports)."""
    if drive is True:
        return OutputState.ON
    if drive is False:
        return OutputState.OFF
    return OutputState.BLINKING


@dataclass(frozen=True)
class Look:
    """What the main LED and the buzzer do, under a name that ``state()`` reports."""

    name: LookName | str  # the patterns and `lost` are LookName; a new look may bring its own
    led: Drive
    buzzer: Drive = False
    label_ja: str = ""
    label_en: str = ""

    @property
    def label(self) -> str:
        """Return the bilingual label shown on the console ("接続中 ONLINE")."""
        return f"{self.label_ja} {self.label_en}".strip()


# Symbols first on the console's labels, so a glance is enough (the words: texts.indicator).
SYMBOLS: dict[LookName, str] = {
    LookName.OFF: "○",
    LookName.ON: "●",
    LookName.WARN: "!",
    LookName.ALARM: "!!",
    LookName.BLIND: "?",
    LookName.LOST: "✕",
}

# BLIND: a double blink, then a pause; like no other look (a steady, slow or fast
# blink), so that it can be learnt as "the monitor watches nothing: call IT".
BLIND_RHYTHM = Rhythm((0.15, 0.15, 0.15, 1.55))


def labels(name: LookName, *, silenced: bool = False) -> tuple[str, str]:
    """Return the Japanese (with the symbol) and English labels of the look ``name``;
    ``silenced`` adds that the buzzer was stopped."""
    ja = f"{SYMBOLS[name]} {t('ja', f'indicator.look.{name}')}"
    en = t("en", f"indicator.look.{name}")
    if silenced:
        ja = f"{ja} ({t('ja', 'indicator.silenced')})"
        en = f"{en} ({t('en', 'indicator.silenced')})"
    return ja, en


def heartbeat_label() -> str:
    """Return the bilingual label of the heartbeat ("監視中 monitoring")."""
    return f"{t('ja', 'indicator.heartbeat')} {t('en', 'indicator.heartbeat')}"


def look_for(pattern: Pattern, silenced: bool, config: IndicatorConfig) -> Look:
    """Return the look of ``pattern``: off, steady, slow blink, or fast blink plus a
    beeping buzzer (buzzer off once ``silenced``). Timings come from ``config``."""
    if pattern is Pattern.OFF:
        led: Drive = False
    elif pattern is Pattern.ON:
        led = True
    elif pattern is Pattern.WARN:
        led = Rhythm.blink(config.slow_blink.total_seconds())
    elif pattern is Pattern.BLIND:
        led = BLIND_RHYTHM
    else:
        led = Rhythm.blink(config.fast_blink.total_seconds())
    buzzer: Drive = False
    if pattern is Pattern.ALARM and not silenced:
        buzzer = Rhythm.blink(config.beep.total_seconds())
    name = LookName(pattern)
    ja, en = labels(name, silenced=pattern is Pattern.ALARM and silenced)
    return Look(name, led, buzzer, ja, en)


def heartbeat_rhythm(config: IndicatorConfig) -> Rhythm:
    """Return the status LED's heartbeat: ``heartbeat_on`` on, then off for the rest
    of ``heartbeat_every`` (the config guarantees on < every)."""
    on = config.heartbeat_on.total_seconds()
    return Rhythm((on, config.heartbeat_every.total_seconds() - on))
