"""The config file without pydantic: where it is, and its TOML read with every failure
as a ``ConfigError`` problem.

``monitor.config`` validates the whole file (pydantic); the quick commands
(``monitor.cli.quickconfig``) and the Pi's box program (``monitor.box.settings``) read
a few keys of the same file and must not import pydantic (the quick commands stay
fast, the box's bundle has none). All three find the file and read it here:

    resolve_config_path(option)   ``--config``, then ``$LINK_MONITOR_CONFIG``, then
                                  ``/etc/link-monitor/config.toml``, else None (the
                                  built-in default, ``BUILTIN``)
    read_config_text(path)        the file's text, at most ``MAX_BYTES``
    read_toml(path)               its parsed TOML (``monitor.config`` parses its own,
                                  to name the key of a too deep nesting)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from monitor.compat import tomllib
from monitor.errors import ConfigDenied, ConfigError, Problem

ENV_CONFIG = "LINK_MONITOR_CONFIG"
SYSTEM_CONFIG = Path("/etc/link-monitor/config.toml")
BUILTIN = "<built-in default>"
MAX_BYTES = 1 << 20  # the largest config file read


def resolve_config_path(option: str | Path | None) -> Path | None:
    """Return the config file to use: ``option``, else ``$LINK_MONITOR_CONFIG``, else
    ``/etc/link-monitor/config.toml`` if it exists, else None (the built-in default)."""
    if option:
        return Path(option)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    if SYSTEM_CONFIG.exists():
        return SYSTEM_CONFIG
    return None


def read_config_text(path: Path | str, *, max_bytes: int | None = MAX_BYTES) -> str:
    """Return the text of the config file at ``path``; raise ``ConfigDenied`` when this
    user may not read it, ``ConfigError`` when it cannot be read, is larger than
    ``max_bytes`` (None: no bound) or is not UTF-8."""
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as file:
            raw = file.read(-1 if max_bytes is None else max_bytes + 1)
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(source, [Problem("", "is a directory, not a config file")]) from None
    except PermissionError:
        raise ConfigDenied(path) from None
    except OSError as exc:
        raise ConfigError(source, [Problem("", f"cannot read: {exc.strerror}")]) from None
    except ValueError:  # a NUL byte in the path given
        raise ConfigError(source, [Problem("", "the path contains a NUL byte")]) from None
    if max_bytes is not None and len(raw) > max_bytes:
        message = f"larger than {max_bytes // 1024} KiB: not a config file"
        raise ConfigError(source, [Problem("", message)])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [Problem("", f"not UTF-8 text (byte {exc.start})")]) from None


def read_toml(path: Path, *, max_bytes: int | None = MAX_BYTES) -> dict[str, Any]:
    """Return the parsed TOML of the config file at ``path``; raise ``ConfigError`` (or
    ``ConfigDenied``) as ``read_config_text`` does, or on a TOML syntax error."""
    text = read_config_text(path, max_bytes=max_bytes)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"TOML syntax error: {exc}")]) from None
    except RecursionError:  # arrays nested hundreds deep (the full load names the key)
        raise ConfigError(str(path), [Problem("", "nested too deep for a config")]) from None
