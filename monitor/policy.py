"""TEMPORARY re-export (issue 11): the engine moved to ``monitor.engine``, the domain
types to ``monitor.domain``. Remove once nothing imports ``monitor.policy`` (daemon.py,
tests/integration/test_register.py, tests/e2e/test_register_cli.py still do)."""

from __future__ import annotations

from monitor.domain.enums import (
    AlertKind,
    BuzzerState,
    EndReason,
    Entity,
    MachineState,
    Pattern,
    Period,
    Severity,
    Verdict,
)
from monitor.domain.events import (
    Acknowledged,
    AlertRaised,
    Effect,
    Input,
    LinkChanged,
    PatternChanged,
    PermitGranted,
    Restored,
    SessionChanged,
    SessionClosed,
    SessionOpened,
    Synced,
    Tick,
)
from monitor.domain.model import (
    Alert,
    AlertRecord,
    LinkObserved,
    PeriodInfo,
    Permit,
    Session,
    Transition,
    session_id,
)
from monitor.engine import Engine, EngineState, Step

__all__ = [
    "Acknowledged",
    "Alert",
    "AlertKind",
    "AlertRaised",
    "AlertRecord",
    "BuzzerState",
    "Effect",
    "EndReason",
    "Engine",
    "EngineState",
    "Entity",
    "Input",
    "LinkChanged",
    "LinkObserved",
    "MachineState",
    "Pattern",
    "PatternChanged",
    "Period",
    "PeriodInfo",
    "Permit",
    "PermitGranted",
    "Restored",
    "Session",
    "SessionChanged",
    "SessionClosed",
    "SessionOpened",
    "Severity",
    "Step",
    "Synced",
    "Tick",
    "Transition",
    "Verdict",
    "session_id",
]
