"""TOML config ─► frozen, validated ``Config``; every error reported with its key path.

    scalars.py   TimeRange, ClosedDays and their parsers (no pydantic)
    model.py     the sections as frozen pydantic models: shape only
    loading.py   read, parse, validate, the lookup order, the built-in default;
                 LibraryInputs / merge_problems for the library checks' step

The library checks (holiday country, apprise URLs) are not done here: they are
one explicit step after parsing (``monitor.jobs.check_libraries``), run by
``check-config`` and the daemon. Every name below is importable from
``monitor.config`` as before the split.
"""

from __future__ import annotations

from monitor.config.loading import (
    BUILTIN,
    LibraryInputs,
    default_config,
    load,
    load_config,
    merge_problems,
    parse_config_text,
    parse_toml,
    read_config_text,
    resolve_config_path,
    validate_config,
)
from monitor.config.model import (
    DEFAULT_INTERFACES,
    Alerts,
    Calendar,
    Closed,
    Config,
    Control,
    DayName,
    Duration,
    Hours,
    Indicator,
    Limits,
    Link,
    Media,
    Pin,
    Store,
    Window,
)
from monitor.config.scalars import (
    DAY_NAMES,
    ClosedDays,
    TimeRange,
    parse_closed,
    parse_time_range,
)
from monitor.configfile import ENV_CONFIG, SYSTEM_CONFIG
from monitor.errors import ConfigError, Problem

__all__ = [
    "BUILTIN",
    "DAY_NAMES",
    "DEFAULT_INTERFACES",
    "ENV_CONFIG",
    "SYSTEM_CONFIG",
    "Alerts",
    "Calendar",
    "Closed",
    "ClosedDays",
    "Config",
    "ConfigError",
    "Control",
    "DayName",
    "Duration",
    "Hours",
    "Indicator",
    "LibraryInputs",
    "Limits",
    "Link",
    "Media",
    "Pin",
    "Problem",
    "Store",
    "TimeRange",
    "Window",
    "default_config",
    "load",
    "load_config",
    "merge_problems",
    "parse_closed",
    "parse_config_text",
    "parse_time_range",
    "parse_toml",
    "read_config_text",
    "resolve_config_path",
    "validate_config",
]
