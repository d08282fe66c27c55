"""Issue 18: a send child whose destinations are all e-mail loads apprise's e-mail
plugin alone (``monitor.alerts.plugins``); any other destination keeps apprise's
usual loading of every plugin. apprise's plugin manager is a process-wide
singleton, so each case runs in a new interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.alerts.plugins import MAIL_SCHEMES, schemes_in

ROOT = Path(__file__).resolve().parents[2]
MAIL = "mailto://127.0.0.1:2525?from=monitor@example.jp&to=hoken@example.jp"

PROBE = r"""
import json, sys
from types import SimpleNamespace
import monitor.alerts.plugins as plugins
if sys.argv[2] == "broken":  # the e-mail plugin is not where it was: fall back
    plugins._MAIL_PLUGIN = "no_such_plugin"
from monitor.alerts.sender import build_sender
urls = tuple(json.loads(sys.argv[1]))
sender = build_sender(SimpleNamespace(urls=urls, credential=None, config=None))
loaded = sorted({m.split(".")[2] for m in sys.modules if m.startswith("apprise.plugins.")})
print(json.dumps({"urls": sender.urls, "problems": sender.problems, "plugins": loaded}))
"""


def probe(urls: list[str], mode: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(urls), mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout) | {"stderr": out.stderr}


def test_schemes_are_found_in_urls_and_in_config_texts():
    text = "urls:\n  - mailto://a@b.jp\n  - tgram://bot/chat\ninclude: https://x/y.yml"
    assert schemes_in([MAIL, text]) == {"mailto", "tgram", "https"}
    assert schemes_in(["MAILTOS://u:p@smtp.example.jp"]) <= MAIL_SCHEMES
    assert schemes_in(["no url here"]) == set()


def test_mail_destinations_load_the_email_plugin_alone():
    said = probe([MAIL, MAIL.replace("mailto", "mailtos")])
    assert said["problems"] == [] and len(said["urls"]) == 2
    assert set(said["plugins"]) == {"base", "email"}, said["plugins"]  # base: NotifyBase


@pytest.mark.parametrize("other", ["json://127.0.0.1:8080/hook", "tgram://123:abc/456"])
def test_any_other_destination_loads_every_plugin(other):
    said = probe([MAIL, other])
    assert said["problems"] == [] and len(said["urls"]) == 2
    assert len(said["plugins"]) > 50  # apprise's usual lazy load of all of them


def test_when_the_email_plugin_does_not_load_alone_every_plugin_is_loaded():
    said = probe([MAIL], "broken")
    assert said["problems"] == [] and len(said["urls"]) == 1  # the mail still goes out
    assert len(said["plugins"]) > 50
    assert "did not load alone; loading every plugin" in said["stderr"]
