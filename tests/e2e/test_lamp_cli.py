"""``link-monitor lamp`` where it cannot open a window: one clear line, exit 1."""

from __future__ import annotations

import subprocess
import sys

from tests.support.cli import ROOT, env, run
from tests.support.daemon_parts import config_text


def test_without_a_display_the_lamp_says_so_in_the_configured_language(tmp_path):
    path = tmp_path / "link-monitor.toml"
    path.write_text(config_text(tmp_path, language="ja"))
    e = env()
    e.pop("DISPLAY", None)
    out = run("lamp", "--config", str(path), env=e)
    assert out.returncode == 1
    assert out.stderr.startswith("ウィンドウを開けません（デスクトップの中で起動してください）")
    assert "Traceback" not in out.stderr


def test_without_tkinter_the_lamp_names_the_package_to_install(tmp_path):
    path = tmp_path / "link-monitor.toml"
    path.write_text(config_text(tmp_path, language="en"))
    # A Python without Tk: importing tkinter fails, as on a pyenv build without tk-dev.
    code = (
        "import sys; sys.modules['tkinter'] = None; "
        "from monitor.cli import main; sys.argv = ['link-monitor', 'lamp', '--config', "
        f"{str(path)!r}]; main()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=ROOT,
        timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith("The screen lamp needs Tk (install python3-tk)")
