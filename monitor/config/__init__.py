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

from pathlib import Path

from monitor.config.loading import (
    BUILTIN,
    ENV_CONFIG,
    SYSTEM_CONFIG,
    LibraryInputs,
    default_config,
    load_config,
    merge_problems,
    parse_config_text,
    parse_toml,
    read_config_text,
    resolve_config_path,
    validate_config,
)
from monitor.config.loading import load as load_shape
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
from monitor.errors import ConfigError, Problem


def load(option: str | Path | None, *, deep: bool = True) -> tuple[Config, str]:
    """Return ``(config, source)`` following the lookup order; raise ``ConfigError``.

    COMPAT (issue 11, to be removed by the lead after the merge): ``cli.py`` still
    calls ``load(path)`` for ``check-config`` and expects the library checks. With
    ``deep`` (the default, as before) this defers to ``monitor.jobs.load_and_check``,
    an upward import that the architecture test will reject; once ``check-config``
    calls ``monitor.jobs.load_and_check`` itself, this becomes
    ``monitor.config.loading.load`` (shape only) and ``deep`` goes."""
    if deep:
        from monitor.jobs import load_and_check  # COMPAT: upward, see above

        return load_and_check(option)
    return load_shape(option)


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
    "load_shape",
    "merge_problems",
    "parse_closed",
    "parse_config_text",
    "parse_time_range",
    "parse_toml",
    "read_config_text",
    "resolve_config_path",
    "validate_config",
]
