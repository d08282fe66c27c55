"""The screen lamp's window (Tk): a round lamp that blinks like the LED, the pattern
in words, a hint, and the 確認 button while the alarm can be silenced. It asks to be
kept on top, rings the bell while the buzzer would beep, and comes to the front and
sends a desktop notification when an alarm starts.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont

from monitor.config import Indicator as IndicatorConfig
from monitor.indicator.looks import Rhythm
from monitor.lamp.face import Face, alarm_started, face_for, stopped_face
from monitor.lamp.link import DaemonLink
from monitor.lamp.notify import notify
from monitor.texts import t

WIDTH, HEIGHT = 460, 150
LAMP = 120  # the lamp's square canvas; the circle fills most of it
POLL_MS = 100
MIN_BELL_S = 1.0  # the bell at most once a second, whatever the buzzer's rhythm

#: Fonts that have Japanese, in order of preference (Debian, Ubuntu, others).
JAPANESE_FONTS = (
    "IPAexGothic",
    "IPAGothic",
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "TakaoPGothic",
    "VL Gothic",
)


def _family(root: tk.Tk) -> str:
    available = set(tkfont.families(root))
    return next((f for f in JAPANESE_FONTS if f in available), "TkDefaultFont")


class LampWindow:
    """The window over ``root``; ``link`` brings the daemon's lines and sends the ack."""

    def __init__(self, root: tk.Tk, link: DaemonLink, language: str, config: IndicatorConfig):
        self.root = root
        self.link = link
        self.language = language
        self.config = config
        self.face: Face | None = None
        self._blink: str | None = None
        self._bell: str | None = None
        family = _family(root)
        root.geometry(f"{WIDTH}x{HEIGHT}")
        root.resizable(False, False)
        root.attributes("-topmost", True)
        self.canvas = tk.Canvas(root, width=LAMP, height=LAMP, highlightthickness=0)
        self.canvas.grid(row=0, column=0, padx=(12, 8), pady=12)
        pad = 10
        self.circle = self.canvas.create_oval(pad, pad, LAMP - pad, LAMP - pad, width=3)
        # The words in a column of their own, centred beside the lamp whatever shows.
        self.column = tk.Frame(root)
        self.column.grid(row=0, column=1, sticky="w", padx=(0, 12))
        text = {"anchor": "w", "justify": "left", "wraplength": WIDTH - LAMP - 44}
        self.label = tk.Label(self.column, font=(family, 15, "bold"), **text)  # type: ignore[arg-type]
        self.label.pack(anchor="w")
        self.hint = tk.Label(self.column, font=(family, 10), **text)  # type: ignore[arg-type]
        self.hint.pack(anchor="w", pady=(4, 0))
        self.button = tk.Button(
            self.column,
            text=t(language, "lamp.ack"),
            font=(family, 14, "bold"),
            bg="#ffffff",
            fg="#b00000",
            activebackground="#ffffff",
            activeforeground="#b00000",
            relief="raised",
            borderwidth=2,
            highlightthickness=0,
            padx=18,
            command=self.acknowledge,
        )
        root.grid_columnconfigure(1, weight=1)
        root.grid_rowconfigure(0, weight=1)
        self.show(stopped_face(language))
        root.after(POLL_MS, self.poll)

    # ------------------------------------------------------------------ the link

    def poll(self) -> None:
        """Take what the link learnt (in Tk's thread) and look again later."""
        while True:
            try:
                what, value = self.link.messages.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty: nothing more for now
                break
            self.take(what, value)
        self.root.after(POLL_MS, self.poll)

    def take(self, what: str, value: object) -> None:
        if what == "line" and isinstance(value, dict):
            language = value.get("language")
            if language in ("ja", "en"):
                self.language = language
            self.show(face_for(value, self.language, self.config))
        elif what == "stopped":
            self.show(stopped_face(self.language))
        elif what == "ack_failed":
            self.button.configure(state="normal")
            self.hint.configure(text=t(self.language, "lamp.ack_failed", error=value))

    def acknowledge(self) -> None:
        """The 確認 button: send the ack (the next state line hides the button)."""
        self.button.configure(state="disabled")
        self.link.acknowledge()

    # ------------------------------------------------------------------ the face

    def show(self, face: Face) -> None:
        """Show ``face``; the same face again changes nothing (the blink goes on)."""
        if face == self.face:
            return
        before, self.face = self.face, face
        p = face.palette
        self.root.title(face.title)
        for widget in (self.root, self.canvas, self.column, self.label, self.hint):
            widget.configure(bg=p.background)
        self.label.configure(text=face.label, fg=p.text)
        self.hint.configure(text=face.hint, fg=p.text)
        self.canvas.itemconfigure(self.circle, outline=p.text)
        self.button.configure(state="normal", text=t(self.language, "lamp.ack"))
        if face.can_ack:
            self.button.pack(anchor="w", pady=(6, 0))
        else:
            self.button.pack_forget()
        self._restart_blink()
        self._restart_bell()
        if alarm_started(before, face):
            self.root.deiconify()
            self.root.lift()
            notify(face.label, t(self.language, "lamp.notify.body"))

    def _restart_blink(self) -> None:
        if self._blink is not None:
            self.root.after_cancel(self._blink)
            self._blink = None
        self._led(0)

    def _led(self, step: int) -> None:
        assert self.face is not None
        p, led = self.face.palette, self.face.led
        if isinstance(led, Rhythm):
            lit = step % 2 == 0
            wait = led.steps[step % len(led.steps)]
            self._blink = self.root.after(int(wait * 1000), self._led, step + 1)
        else:
            lit = bool(led)
        self.canvas.itemconfigure(self.circle, fill=p.lit if lit else p.dark)

    def _restart_bell(self) -> None:
        if self._bell is not None:
            self.root.after_cancel(self._bell)
            self._bell = None
        if self.face is not None and self.face.beep is not None:
            self._ring(self.face.beep)

    def _ring(self, beep: Rhythm) -> None:
        self.root.bell()
        every = max(sum(beep.steps), MIN_BELL_S)
        self._bell = self.root.after(int(every * 1000), self._ring, beep)


def run_lamp(link: DaemonLink, language: str, config: IndicatorConfig) -> None:
    """Open the window and follow the daemon until the window is closed; raise
    ``tk.TclError`` when no window can be opened (no display)."""
    root = tk.Tk(className="link-monitor-lamp")
    try:
        LampWindow(root, link, language, config)
        link.start()
        root.mainloop()
    finally:
        link.stop()
        try:
            root.destroy()
        except tk.TclError:
            pass  # already gone with the window
