"""Enums for every state that is stored in the register or printed.

Their values are the on-disk and ``--json`` values: never change one without a
register migration.
"""

from __future__ import annotations

from monitor.compat import StrEnum


class Pattern(StrEnum):
    """The indicator's look."""

    OFF = "off"  # offline
    ON = "on"  # online and permitted: steady LED
    WARN = "warn"  # slow blink: overdue, outside a window, no permit
    ALARM = "alarm"  # fast blink + buzzer (until acknowledged): clinic hours
    # Not the engine's: the daemon shows it, in place of OFF, while no watched
    # interface is present at all (a typo in link.interfaces, a USB NIC gone). A
    # double blink of its own that staff learn means "the monitor is blind: call IT".
    BLIND = "blind"


class Verdict(StrEnum):
    """Ordered from best to worst; ``Verdict.worst`` picks the worst of several."""

    PERMITTED = "permitted"
    NO_PERMIT = "no-permit"
    OVERDUE = "overdue"
    OUTSIDE_WINDOW = "outside-window"
    CLINIC_HOURS = "clinic-hours"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)

    @staticmethod
    def worst(verdicts) -> Verdict:
        return max(verdicts, key=lambda v: v.rank, default=Verdict.PERMITTED)


class AlertKind(StrEnum):
    CLINIC_HOURS = "clinic-hours"
    OUTSIDE_WINDOW = "outside-window"
    NO_PERMIT = "no-permit"
    OVERDUE = "overdue"
    RESOLVED = "resolved"
    MONITOR = "monitor"
    # Removable media (``monitor.engine.media``): a medium present while online (rule
    # イ, also a wireless link: rule ア), an unregistered one, one inserted during
    # clinic hours, one left in after them.
    MEDIA_ONLINE = "media-online"
    UNREGISTERED_MEDIA = "unregistered-media"
    MEDIA_CLINIC_HOURS = "media-clinic-hours"
    MEDIA_LEFT_IN = "media-left-in"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Purpose(StrEnum):
    FEE_UPDATE = "fee-update"
    REMOTE_MAINTENANCE = "remote-maintenance"
    OTHER = "other"


class EndReason(StrEnum):
    UNPLUGGED = "unplugged"  # the last watched link went down
    MONITOR_STOPPED = "monitor-stopped"  # closed on purpose when the monitor stopped
    # found down after a restart: ended between ended_at (last seen) and ended_by (restart)
    RECOVERED = "ended-while-monitor-down"


class Period(StrEnum):
    CLINIC = "clinic"  # the clinic is open: a connection is forbidden
    MAINTENANCE = "maintenance"  # a permitted window
    OFF_HOURS = "off-hours"  # neither


class Entity(StrEnum):
    """What a ``Transition`` is about (a session's entity is ``session:<id>``)."""

    MACHINE = "machine"
    PATTERN = "pattern"
    BUZZER = "buzzer"
    SESSION = "session"
    CLOCK = "clock"  # the wall clock jumped: old = the time expected, new = the time read


class MachineState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class BuzzerState(StrEnum):
    SOUNDING = "sounding"
    SILENCED = "silenced"


class OutboxState(StrEnum):
    """Where an alert is on its way out (derived from its stored columns)."""

    PENDING = "pending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: a permanent failure


class AckSource(StrEnum):
    """Where an acknowledgement came from (stored in the register's ``acks.source``)."""

    CLI = "cli"
    GPIO_BUTTON = "gpio button"
    BOX_BUTTON = "box button"
    SCREEN_LAMP = "screen lamp"  # the 確認 button of ``link-monitor lamp``


class Part(StrEnum):
    """The daemon's parts whose failure is a fault (``status`` ``faults`` keys)."""

    INDICATOR = "indicator"
    REGISTER = "register"
    WATCHER = "watcher"
    ENGINE = "engine"
    OUTBOX = "outbox"
    #: The register was found altered, replaced or damaged (``daemon.integrity``);
    #: it stays failing until the next start.
    INTEGRITY = "integrity"
    MEDIA = "media"  # the removable-media watcher


class LookName(StrEnum):
    """What an indicator shows (its ``state()["pattern"]``): an engine ``Pattern``
    under the same value, or the box's ``lost`` (no signal from the PC)."""

    OFF = "off"
    ON = "on"
    WARN = "warn"
    ALARM = "alarm"
    BLIND = "blind"
    LOST = "lost"


class OutputState(StrEnum):
    """What one indicator output really does right now (the indicators' ``state()``)."""

    OFF = "off"
    ON = "on"
    BLINKING = "blinking"
    BEEPING = "beeping"  # the buzzer's blinking
    SILENCED = "silenced"  # the buzzer, off because the alarm was acknowledged
    RELEASED = "released"  # the device was closed


class BoxConnection(StrEnum):
    """Whether the PC's serial port to the indicator box is open."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class ConsoleOutput(StrEnum):
    """How the console indicator writes: one status line on a terminal, else lines."""

    STATUS_LINE = "status line"
    LINES = "lines"
