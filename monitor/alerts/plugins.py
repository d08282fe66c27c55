"""Load only the apprise plugins the configured destinations need.

apprise loads all of its ~190 notification plugins the first time a URL is looked
up (about 130 ms on a receipt PC, most of the send child's start-up after the
import itself). A city sends its alerts by e-mail: when every URL of the alerts
config is ``mailto://`` or ``mailtos://``, ``load_plugins_for`` loads the e-mail
plugin alone (about 45 ms), through apprise's own ``load_modules(path, name)``: it
imports every plugin named in the folder ``path`` from the package ``name``, so a
folder holding one entry, ``email``, loads ``apprise.plugins.email`` and marks the
manager loaded. Any other scheme anywhere (another service, an ``include`` of a
config) keeps apprise's usual lazy loading of everything. Imports apprise.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable

log = logging.getLogger(__name__)

MAIL_SCHEMES = frozenset({"mailto", "mailtos"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_PLUGIN_PACKAGE = "apprise.plugins"
_MAIL_PLUGIN = "email"


def schemes_in(texts: Iterable[str]) -> set[str]:
    """Return every URL scheme written in ``texts`` (URLs, apprise config files), lower-cased."""
    return {m.group(1).lower() for text in texts for m in _SCHEME.finditer(text)}


def load_plugins_for(texts: Iterable[str]) -> bool:
    """Load apprise's e-mail plugin alone when every URL in ``texts`` is an e-mail
    one and no plugin is loaded yet; return True when it did. Otherwise do nothing
    (apprise loads every plugin on first use, as always). If the e-mail plugin
    cannot be loaded so, every plugin is loaded at once."""
    schemes = schemes_in(texts)
    if not schemes or not schemes <= MAIL_SCHEMES:
        return False
    from apprise.manager_plugins import NotificationManager

    manager = NotificationManager()  # apprise's singleton
    if manager:  # something was loaded already: leave it to apprise
        return False
    try:
        with tempfile.TemporaryDirectory(prefix="link-monitor-apprise-") as folder:
            os.mkdir(os.path.join(folder, _MAIL_PLUGIN))
            manager.load_modules(path=folder, name=_PLUGIN_PACKAGE)
    except OSError as exc:  # no temporary folder: the usual way
        log.debug("apprise: loading every plugin (%s)", exc)
        return False
    if all(scheme in manager for scheme in schemes):
        return True
    log.warning("apprise: its e-mail plugin did not load alone; loading every plugin")
    manager.load_modules()  # its own folder: not loaded yet
    return False
