"""A private X server (Xvfb) for window tests, and what the tests do on it: find a
window, take its picture (``import``, from ImageMagick), read its pixels, click.

``missing()`` names the programs that are not installed (the tests skip with it:
Debian's ``xvfb``, ``xdotool``, ``imagemagick`` and ``x11-utils``; see
tests/debian-packages.txt).
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROGRAMS = {"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick", "xprop": "x11-utils"}

RGB = tuple[int, int, int]


def missing() -> list[str]:
    """Return the Debian packages whose programs are not on PATH."""
    return [pkg for prog, pkg in PROGRAMS.items() if shutil.which(prog) is None]


@contextlib.contextmanager
def xvfb(width: int = 640, height: int = 480) -> Iterator[str]:
    """Run an X server for the block; yield its ``DISPLAY``. Stopped by its PID."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
         "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    try:
        with os.fdopen(read, "rb") as pipe:
            number = pipe.readline().strip().decode()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Shot:
    """One picture of a window: ``width`` x ``height`` pixels, row by row."""

    width: int
    height: int
    pixels: list[RGB]

    def at(self, x: int, y: int) -> RGB:
        return self.pixels[y * self.width + x]

    def dominant(self, box: tuple[int, int, int, int] | None = None) -> RGB:
        """Return the most common colour in ``box`` (x0, y0, x1, y1; default: all)."""
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        count = collections.Counter(self.at(x, y) for y in range(y0, y1) for x in range(x0, x1))
        return count.most_common(1)[0][0]

    def bbox(self, colour: RGB) -> tuple[int, int, int, int] | None:
        """Return the bounding box (x0, y0, x1, y1) of the pixels of ``colour``."""
        xs, ys = [], []
        for i, pixel in enumerate(self.pixels):
            if pixel == colour:
                ys.append(i // self.width)
                xs.append(i % self.width)
        if not xs:
            return None
        return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def parse_ppm(data: bytes) -> Shot:
    """Return the pixels of a binary PPM (P6, maxval 255)."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1  # the single whitespace before the raster
    magic, width, height, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    assert magic == b"P6" and maxval == 255, fields
    raster = data[pos : pos + width * height * 3]
    pixels = [tuple(raster[i : i + 3]) for i in range(0, len(raster), 3)]
    return Shot(width, height, pixels)  # type: ignore[arg-type]


class Screen:
    """The tests' hands and eyes on ``display``."""

    def __init__(self, display: str):
        self.env = {**os.environ, "DISPLAY": display}

    def run(self, *args: str, timeout: float = 10, stdin: bytes | None = None) -> bytes:
        return subprocess.run(
            args, env=self.env, input=stdin, capture_output=True, check=True, timeout=timeout
        ).stdout

    def find(self, name: str, timeout: float = 20) -> str:
        """Return the id of the visible window whose title matches ``name``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                out = self.run("xdotool", "search", "--onlyvisible", "--name", name)
            except subprocess.CalledProcessError:
                out = b""
            ids = out.split()
            if ids:
                return ids[-1].decode()
            time.sleep(0.1)
        raise AssertionError(f"no window named {name!r} within {timeout}s")

    def shot(self, window: str, png: Path | None = None) -> Shot:
        """Return the window's picture now; also save it as ``png`` when given."""
        data = self.run("import", "-window", window, "-depth", "8", "ppm:-")
        if png is not None:
            self.run("convert", "ppm:-", f"png:{png}", stdin=data)
        return parse_ppm(data)

    def click(self, window: str, x: int, y: int) -> None:
        self.run("xdotool", "mousemove", "--window", window, str(x), str(y))
        self.run("xdotool", "click", "1")
