"""Reading a config: TOML text ─► data ─► ``Config``, every error with its key path.

``load_config(path)`` reads and validates a file; ``default_config()`` is the
built-in default used when no file exists. The lookup order (``--config`` ─►
``$LINK_MONITOR_CONFIG`` ─► ``/etc/link-monitor/config.toml`` ─► built-in default,
``resolve_config_path``) and the bounded read (``read_config_text``) are
``monitor.configfile``'s, shared with the readers that do without pydantic.

Validation happens once, completely: a ``ConfigError`` carries every problem
found, each naming its key path (``clinic[0].hours``) and what is wrong.

The library checks (``calendar.country``, ``alerts.urls``) come after, as one
explicit step (``monitor.jobs``). So that their problems join the others in one
list, in the order of the keys, this module also gives what they look at
(``LibraryInputs``, also from data that did not validate) and ``merge_problems``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from monitor.compat import tomllib
from monitor.config.bounds import (
    MAX_DEPTH,
    deep_nesting_at,
    input_problems,
    under,
    without_bad_input,
)
from monitor.config.model import Config
from monitor.configfile import BUILTIN, read_config_text, resolve_config_path
from monitor.errors import ConfigError, Problem


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _problems_from(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # Annotated validators add a synthetic loc element for the function; drop it.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown key"
        elif kind == "missing":
            msg = "required key is missing"
        elif kind == "literal_error":
            msg = f"got {err.get('input')!r}; " + err["msg"].replace("Input should be", "expected")
        else:
            msg = err["msg"]
            for prefix in ("Value error, ", "Assertion failed, "):
                msg = msg.removeprefix(prefix)
            if kind not in ("value_error", "assertion_error") and "input" in err:
                shown = err["input"]
                if not isinstance(shown, (dict, list)):
                    msg = f"{msg} (got {shown!r})"
        problems.append(Problem(_loc_to_path(loc), msg))
    return problems


def validate_config(data: dict[str, Any], source: str = "<config>") -> Config:
    """Return a ``Config`` from parsed TOML; raise ``ConfigError`` listing every problem
    of shape (the library checks are ``monitor.jobs``'s).

    Values nested too deep and strings holding control characters are problems of
    their own (``config.bounds``), taken out before the model sees the rest."""
    bad = input_problems(data)
    try:
        config = Config.model_validate(without_bad_input(data) if bad else data)
        shape: list[Problem] = []
    except ValidationError as exc:
        shape = [p for p in _problems_from(exc) if not under(p.path, bad)]
    if bad or shape:
        raise ConfigError(source, merge_problems(shape, bad))
    return config


def parse_toml(text: str, source: str = "<config>") -> dict[str, Any]:
    """Return the data of TOML ``text``; raise ``ConfigError`` on a syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [Problem("", f"TOML syntax error: {exc}")]) from None
    except RecursionError:
        # Arrays nested hundreds deep: the parser recurses once per level.
        key, line = deep_nesting_at(text) or ("", 0)
        where = f" (line {line})" if line else ""
        problem = Problem(key, f"nested deeper than {MAX_DEPTH} levels{where}")
        raise ConfigError(source, [problem]) from None


def parse_config_text(text: str, source: str = "<config>") -> Config:
    """Return the ``Config`` of TOML ``text``; raise ``ConfigError`` on syntax or schema errors."""
    return validate_config(parse_toml(text, source), source)


def load_config(path: Path | str) -> Config:
    """Return the validated ``Config`` of the file at ``path``; raise ``ConfigError`` when the
    file cannot be read, is not UTF-8 TOML, or breaks the schema (every problem at once)."""
    return parse_config_text(read_config_text(path), str(path))


def _user_paths() -> dict[str, Any]:
    """Store and socket paths a non-root user can write, for the built-in default."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    run_dir = Path(runtime) / "link-monitor" if runtime else state / "link-monitor"
    return {
        "store": {"path": str(state / "link-monitor" / "register.db")},
        "control": {"socket": str(run_dir / "control.sock")},
    }


def default_config() -> Config:
    """Return the built-in default: the sample's rules, watching the physical interfaces.

    As root it uses the system paths (/var/lib, /run); otherwise per-user paths, so
    that ``link-monitor run`` works for a developer without any set-up."""
    data: dict[str, Any] = {}
    if os.geteuid() != 0:
        data.update(_user_paths())
    return validate_config(data, BUILTIN)


def load(option: str | Path | None) -> tuple[Config, str]:
    """Return ``(config, source)`` following the lookup order, checked for shape; raise
    ``ConfigError``. (``monitor.jobs.load_and_check`` adds the library checks.)"""
    path = resolve_config_path(option)
    if path is None:
        return default_config(), BUILTIN
    return load_config(path), str(path)


# ---------------------------------------------------------------- library checks


@dataclass(frozen=True)
class LibraryInputs:
    """What the library checks look at: ``country`` and ``subdivision`` for the
    holiday library (country None: nothing to check) and ``urls`` for apprise
    (empty: nothing to check)."""

    country: str | None = None
    urls: tuple[str, ...] = ()
    subdivision: str | None = None

    @classmethod
    def of(cls, config: Config) -> LibraryInputs:
        """Return the inputs of a validated config."""
        cal = config.calendar
        return cls(cal.country or None, tuple(config.alerts.urls), cal.subdivision)

    @classmethod
    def of_data(cls, data: Any) -> LibraryInputs:
        """Return the inputs of parsed TOML that may not validate: each value that has
        the right shape (as the model would have checked it before the library),
        the default country when the key is absent."""
        calendar = _section(data, "calendar")
        country = calendar.get("country", "JP")
        subdivision = calendar.get("subdivision")
        urls = _section(data, "alerts").get("urls", [])
        good_urls = isinstance(urls, list) and all(isinstance(u, str) for u in urls)
        return cls(
            country if isinstance(country, str) and country else None,
            tuple(urls) if good_urls else (),
            subdivision if isinstance(subdivision, str) else None,
        )


def _section(data: Any, name: str) -> dict[str, Any]:
    section = data.get(name, {}) if isinstance(data, dict) else {}
    return section if isinstance(section, dict) else {}


def merge_problems(shape: list[Problem], library: list[Problem]) -> list[Problem]:
    """Return the problems of shape and of the library checks in the order one
    validation of the whole config gives: by top-level key in ``Config``'s order
    (unknown keys last), and the library's before the shape's of the same section
    (``calendar.country`` and ``alerts.urls`` are the first keys of theirs)."""
    order = {name: i for i, name in enumerate(Config.model_fields)}

    def rank(problem: Problem) -> int:
        top = problem.path.split(".")[0].split("[")[0]
        return order.get(top, len(order))

    out = list(shape)
    for problem in library:
        at = next((i for i, p in enumerate(out) if rank(p) >= rank(problem)), len(out))
        out.insert(at, problem)
    return out
