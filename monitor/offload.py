"""The two heavy libraries (holidays, apprise): the checks and work that need them,
and the short-lived child processes that run them for the daemon.

Why children: the daemon needs these libraries for about a second at start-up
and at a reload, once a year for the next holiday table, and once per alert
sent. Importing them into the daemon costs resident memory that CPython never
gives back (measured with this project's pins: holidays ~17 MiB, because a "JP"
lookup imports every country module; apprise and its plugins ~17-36 MiB), most
of the daemon's idle footprint. A child that exits takes that memory with it,
and a send that hangs is killed with its child instead of holding a thread.

This module imports neither library at import time (nor pydantic): a child
starts with the interpreter and the one library its task needs.

    python -m monitor.offload     one JSON request on stdin ─► one JSON reply on stdout

The library work (in this process, importing the library when called):

    redact(text) -> str                           passwords in URLs as ***
    country_problem(country) -> str | None        calendar.country's message, or None
    apprise_url_problem(urls) -> str | None       alerts.urls's message, or None
    national_holidays(country, subdivision, language, year) -> {date: name}

The daemon's side:

    start_check(config, text, source, years) -> Check
        children that run the library checks of ``config`` (the shallow-parsed
        config; None when it did not parse: then one child parses ``text`` in full
        for the complete list of problems) and compute the holiday tables
    Check.result() -> {year: {date: name}}
        raise ConfigError (every problem the children found) or OffloadError
    check(config, text, source, years)  start_check(...).result()
    years_around(now) -> list[int]      the years fetched at start-up and reload
    ChildHolidays(config, tables)       a ``Schedule(holidays=...)`` source; a year
        not fetched yet is asked of a new child (once a year or so); if that
        fails, computed in this process
    ChildSender(alerts_config)          ``notify.Sender``'s interface; every
        ``deliver`` runs in a new child
    load_checked(path, now, prewarm=None) -> (config, source, holiday source)
        the config checked in full the daemon's way (start-up, reload)

A child that cannot start, crashes, times out or answers nonsense raises
``OffloadError``; callers fall back to doing the work in-process (config,
holidays: correctness beats memory) or retry later (alerts stay in the outbox).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError, NotifyError, OffloadError, Problem

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.schedule import HolidayTable

log = logging.getLogger(__name__)

# A check imports one library: well under a second here; allow for a loaded
# machine. A send is bounded by apprise's own timeouts (SMTP: 15 s per
# connection); the limit stays under the outbox lease (2 min), so a killed send
# is never attempted twice at the same time.
CHECK_TIMEOUT = 60.0
DELIVER_TIMEOUT = 100.0
# Variables the child must not see: it is not the service (sd_notify, socket
# activation belong to the daemon alone).
_PRIVATE_ENV = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                "LISTEN_FDNAMES")


# ===================================================================== library work

_PASSWORD_RE = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact(text: str) -> str:
    """Return ``text`` with every password of a ``scheme://user:password@`` URL as ``***``."""
    return _PASSWORD_RE.sub(r"\1***@", text)


def country_problem(country: str) -> str | None:
    """Return what is wrong with ``calendar.country`` (unknown to the holiday library),
    or None. Imports holidays."""
    import holidays

    if country.upper() in holidays.list_supported_countries():
        return None
    return f"unknown country {country!r} (use an ISO 3166 code such as \"JP\", or \"\")"


def apprise_url_problem(urls: Iterable[str]) -> str | None:
    """Return what is wrong with ``alerts.urls`` (URLs apprise cannot use), or None.
    Imports apprise."""
    import apprise

    urls = list(urls)
    bad = [i for i, url in enumerate(urls) if apprise.Apprise.instantiate(url) is None]
    if not bad:
        return None
    return "apprise cannot parse " + ", ".join(f"urls[{i}] {redact(urls[i])!r}" for i in bad)


def national_holidays(country: str, subdivision: str | None, language: str,
                      year: int) -> dict[date, str]:
    """Return ``{date: name}`` of the national holidays of ``year`` (empty when no country
    is configured or the library has no data for that year). Imports holidays.

    The language is chosen explicitly: left to itself the library follows the
    process locale, so the same config would name holidays differently under
    systemd and in a terminal. Japanese for ``alerts.language = "ja"``, otherwise
    English, falling back to the country's own default language."""
    if not country:
        return {}
    import holidays

    subdiv = subdivision or None
    try:
        probe = holidays.country_holidays(country, subdiv=subdiv)
        supported = getattr(probe, "supported_languages", ()) or ()
        wanted = "ja" if language == "ja" else "en_US"
        if wanted not in supported:
            wanted = "en_US" if "en_US" in supported else getattr(probe, "default_language", None)
        table = holidays.country_holidays(country, subdiv=subdiv, years=year, language=wanted)
    except (NotImplementedError, ValueError, KeyError):
        # An unknown subdivision; check-config is where that should be reported.
        return {}
    return {d: name for d, name in table.items() if d.year == year}


# ============================================================================ parent


def _spawn(request: dict[str, Any]) -> subprocess.Popen:
    """Start a child and hand it ``request``; raise OffloadError if it cannot start."""
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.offload"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        raise OffloadError(f"cannot start a child process: {exc.strerror or exc}") from None
    try:
        # The child reads all of stdin before it writes anything: this cannot deadlock.
        proc.stdin.write(json.dumps(request, ensure_ascii=False).encode())
    except BrokenPipeError:
        pass  # it died at once; _reply() reports how
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    # communicate() must not touch stdin again (3.11 flushes it even when closed).
    proc.stdin = None
    return proc


def _reply(proc: subprocess.Popen, timeout: float, what: str) -> dict[str, Any]:
    """Wait for the child's reply; raise OffloadError when it gives none in time."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise OffloadError(f"{what}: the child process gave no answer within {timeout:.0f} s "
                           "and was killed") from None
    tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
    if proc.returncode != 0:
        why = f": {tail[0]}" if tail else ""
        raise OffloadError(f"{what}: the child process exited with status {proc.returncode}{why}")
    try:
        reply = json.loads(out)
    except ValueError:
        raise OffloadError(f"{what}: the child process answered something that is not "
                           f"JSON ({out[:80]!r})") from None
    if not isinstance(reply, dict):
        raise OffloadError(f"{what}: the child process answered {reply!r}")
    return reply


def _kill(proc: subprocess.Popen) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.communicate()


def years_around(now: datetime) -> list[int]:
    """Return the years whose holidays the daemon fetches at start-up: last year (a
    session restored across New Year), this year and the two ahead (``next_change``
    looks 400 days ahead)."""
    return list(range(now.year - 1, now.year + 3))


def _tables(reply: dict[str, Any]) -> dict[int, dict[date, str]]:
    try:
        return {int(year): {date.fromisoformat(d): name for d, name in days}
                for year, days in reply["holidays"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise OffloadError(f"holidays: unexpected answer {str(reply)[:120]!r}") from None


class Check:
    """The library checks of a config running in child processes (``start_check``)."""

    def __init__(self, source: str, children: list[tuple[str, subprocess.Popen]]):
        self.source = source
        self._children = children

    def result(self, timeout: float = CHECK_TIMEOUT) -> dict[int, dict[date, str]]:
        """Return the holiday tables ({} when the config did not parse); raise
        ConfigError listing every problem the children found, or OffloadError
        when a child failed."""
        problems: list[Problem] = []
        tables: dict[int, dict[date, str]] = {}
        try:
            for what, proc in self._children:
                reply = _reply(proc, timeout, what)
                problems += [Problem(p, m) for p, m in reply.get("problems", [])]
                if "holidays" in reply:
                    tables = _tables(reply)
        finally:
            self.cancel()
        if problems:
            raise ConfigError(self.source, problems)
        return tables

    def cancel(self) -> None:
        """Stop the children still running (their answer is no longer needed)."""
        for _, proc in self._children:
            _kill(proc)


def start_check(config: Config | None, text: str | None, source: str,
                years: Iterable[int]) -> Check:
    """Start the library checks of ``config`` (parsed with ``deep=False``) and the holiday
    tables of ``years`` in children, side by side: one for holidays, one for apprise
    (only when there are ``alerts.urls``). With ``config`` None (``text`` did not
    parse), start one child that parses ``text`` in full instead, for the complete
    list of problems. Raise OffloadError if no child can start."""
    if config is None:
        return Check(source, [("config check", _spawn(
            {"op": "config", "text": text, "source": source}))])
    children = [("holiday check", _spawn(_holidays_request(config, years)))]
    try:
        if config.alerts.urls:
            children.append(("alert URL check", _spawn(
                {"op": "urls", "urls": list(config.alerts.urls)})))
    except OffloadError:
        Check(source, children).cancel()
        raise
    return Check(source, children)


def _holidays_request(config: Config, years: Iterable[int]) -> dict[str, Any]:
    return {"op": "holidays", "country": config.calendar.country,
            "subdivision": config.calendar.subdivision, "language": config.alerts.language,
            "years": sorted(set(years))}


def check(config: Config | None, text: str | None, source: str,
          years: Iterable[int]) -> dict[int, dict[date, str]]:
    """Blocking ``start_check(...).result()``."""
    return start_check(config, text, source, years).result()


class ChildHolidays:
    """A ``Schedule(holidays=...)`` source backed by tables a child computed.

    A year that is not in the tables (the daemon has run for more than a year) is
    fetched with the three after it, by a new child: a pause of a fraction of a
    second about once a year. If that child fails, the year is computed in this
    process (and the library stays loaded): a wrong holiday would mean a wrong
    verdict, which is worse than the memory."""

    def __init__(self, config: Config, tables: dict[int, dict[date, str]]):
        self._config = config
        self._tables = dict(tables)

    def __call__(self, year: int) -> dict[date, str]:
        if year not in self._tables:
            years = range(year - 1, year + 4)
            log.info("fetching the holidays of %d-%d in a child process", years[0], years[-1])
            try:
                proc = _spawn(_holidays_request(self._config, years))
                self._tables.update(_tables(_reply(proc, CHECK_TIMEOUT, "holidays")))
            except OffloadError as exc:
                log.warning("%s; computing the holidays of %d in this process instead",
                            exc, year)
                cal = self._config.calendar
                self._tables[year] = national_holidays(
                    cal.country, cal.subdivision, self._config.alerts.language, year)
        return self._tables.get(year, {})


def load_checked(path: Path | None, now: datetime, *,
                 prewarm: Callable[[Config], None] | None = None,
                 ) -> tuple[Config, str, HolidayTable | None]:
    """Return ``(config, source, holiday source)`` of the config file at ``path`` (None:
    the built-in default), checked in full; raise ConfigError listing every problem.

    This process parses the config without the two checks that need a heavy
    library; children run those and compute the holiday tables. ``prewarm(config)``
    is called meanwhile (the daemon imports what it is about to use), so that the
    two overlap. If a child fails, everything is done here instead: slower and
    bigger, but never a wrong verdict."""
    from monitor.config import BUILTIN, default_config, parse_config_text, read_config_text

    text = read_config_text(path) if path is not None else None
    source = str(path) if path is not None else BUILTIN
    try:
        config = (parse_config_text(text, source, deep=False) if text is not None
                  else default_config(deep=False))
    except ConfigError:
        config = None  # a child parses it in full, for the complete list of problems
    try:
        check = start_check(config, text, source, years_around(now))
    except OffloadError as exc:
        log.warning("%s; checking the config in this process instead", exc)
        check = None
    if prewarm is not None and config is not None:
        prewarm(config)
    tables = None
    if check is not None:
        try:
            tables = check.result()  # ConfigError: every problem, from the children
        except OffloadError as exc:
            log.warning("%s; checking the config in this process instead", exc)
    if config is None or tables is None:
        # In full, here: the complete list of problems, or the fallback.
        config = parse_config_text(text, source) if text is not None else default_config()
        return config, source, None
    return config, source, ChildHolidays(config, tables)


class ChildSender:
    """``notify.Sender``'s interface, with every ``deliver`` done by a new child process
    (``build_sender(alerts_config).deliver(...)`` there), so that apprise is never
    imported into the daemon.

    ``services``, ``problems`` and ``urls`` describe what the last child found
    (destinations, and sources that gave none); ``loaded`` is False until a child
    has answered. The child reads ``alerts.config`` and the credential in
    ``$CREDENTIALS_DIRECTORY`` itself, at each send: a credential changed on disk
    is used from the next alert on. Blocking: call ``deliver`` in a thread;
    ``kill()`` (from any thread) ends a send in progress, e.g. when the daemon stops."""

    def __init__(self, alerts_config, *, timeout: float = DELIVER_TIMEOUT):
        self._request = {
            "urls": list(alerts_config.urls),
            "config": str(alerts_config.config) if alerts_config.config is not None else None,
            "credential": alerts_config.credential,
        }
        self._timeout = timeout
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._killed = False
        self.loaded = False
        self.urls: list[str] = []
        self.problems: list[tuple[str, str]] = []

    @property
    def services(self) -> list[str]:
        return self.urls

    def deliver(self, title: str, body: str, *, severity: str = "warning",
                skip: Iterable[int] = ()) -> list:
        """Send one message through every destination not in ``skip``; return one
        ``notify.Delivery`` per destination tried. Raise NotifyError: permanent when
        there is no destination, transient when the child failed (it is retried)."""
        from monitor.notify import NO_DESTINATION, Delivery

        if not any(self._request.values()):  # nothing to start a child for
            self.loaded = True
            raise NotifyError(NO_DESTINATION, permanent=True)
        request = {"op": "deliver", "alerts": self._request, "title": title, "body": body,
                   "severity": str(severity), "skip": sorted(set(skip))}
        try:
            with self._lock:
                if self._killed:
                    raise OffloadError("alert sender: stopping")
                proc = _spawn(request)
                self._running.add(proc)
            try:
                reply = _reply(proc, self._timeout, "alert sender")
            finally:
                with self._lock:
                    self._running.discard(proc)
        except OffloadError as exc:
            raise NotifyError(str(exc), permanent=False) from None
        self.loaded = True
        self.urls = list(reply.get("urls", []))
        self.problems = [(src, msg) for src, msg in reply.get("problems", [])]
        if "error" in reply:
            raise NotifyError(reply["error"], permanent=bool(reply.get("permanent")))
        try:
            return [Delivery(int(i), str(url), bool(ok), str(error), bool(permanent),
                             float(elapsed))
                    for i, url, ok, error, permanent, elapsed in reply["deliveries"]]
        except (KeyError, TypeError, ValueError):
            raise NotifyError(f"alert sender: unexpected answer {str(reply)[:120]!r}",
                              permanent=False) from None


    def kill(self) -> None:
        """End every send in progress (its alert stays in the outbox and is retried
        after a restart) and refuse new ones."""
        with self._lock:
            self._killed = True
            for proc in self._running:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()


# ============================================================================= child


def _child_config(request: dict[str, Any]) -> dict[str, Any]:
    from monitor.config import default_config, parse_config_text

    text, source = request["text"], request["source"]
    try:
        default_config() if text is None else parse_config_text(text, source)
    except ConfigError as exc:
        return {"problems": [[p.path, p.message] for p in exc.problems]}
    return {"problems": []}


def _child_holidays(request: dict[str, Any]) -> dict[str, Any]:
    country = request["country"]
    problem = country_problem(country) if country else None
    if problem:
        return {"problems": [["calendar.country", problem]]}
    return {"holidays": {str(year): [[d.isoformat(), name] for d, name in sorted(
        national_holidays(country, request["subdivision"], request["language"],
                          year).items())] for year in request["years"]}}


def _child_urls(request: dict[str, Any]) -> dict[str, Any]:
    problem = apprise_url_problem(request["urls"])
    return {"problems": [["alerts.urls", problem]] if problem else []}


def _child_deliver(request: dict[str, Any]) -> dict[str, Any]:
    from types import SimpleNamespace

    from monitor.notify import build_sender

    a = request["alerts"]
    alerts = SimpleNamespace(urls=tuple(a["urls"]), credential=a["credential"],
                             config=Path(a["config"]) if a["config"] else None)
    sender = build_sender(alerts)
    reply: dict[str, Any] = {"urls": sender.urls,
                             "problems": [[src, msg] for src, msg in sender.problems]}
    try:
        deliveries = sender.deliver(request["title"], request["body"],
                                    severity=request["severity"], skip=request["skip"])
    except NotifyError as exc:
        reply.update(error=str(exc), permanent=exc.permanent)
        return reply
    reply["deliveries"] = [[d.index, d.url, d.ok, d.error, d.permanent, d.elapsed_s]
                           for d in deliveries]
    return reply


_OPS = {"config": _child_config, "holidays": _child_holidays, "urls": _child_urls,
        "deliver": _child_deliver}


def main() -> int:
    """The child: answer one request. Exit 0 with a JSON reply, or non-zero with the
    reason on stderr (the parent turns it into an OffloadError)."""
    try:
        request = json.loads(sys.stdin.buffer.read())
        op = _OPS[request["op"]]
    except (ValueError, KeyError, TypeError) as exc:
        print(f"monitor.offload: bad request: {exc!r}", file=sys.stderr)
        return 2
    reply = op(request)
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
