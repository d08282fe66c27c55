"""The kernel's view of the wall clock: ``adjtimex(2)`` through ctypes (read only).

    read_clock() -> ClockReading      synchronised?, estimated and maximum error

No new dependency and no network: the kernel keeps these figures for NTP (chrony,
systemd-timesyncd) and says "not synchronised" (``TIME_ERROR``, ``STA_UNSYNC``) when
nothing has disciplined the clock, which is the usual state of an offline PC.
Reading (``modes = 0``) needs no privilege.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

from monitor.domain.clock import ClockReading

TIME_ERROR = 5  # adjtimex's return value: the clock is not synchronised
STA_UNSYNC = 0x0040


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    """``struct timex`` of <sys/timex.h> (Linux); longs follow the platform."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]


@cache
def _adjtimex():  # type: ignore[no-untyped-def]
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn = libc.adjtimex
    fn.argtypes = [ctypes.POINTER(_Timex)]
    fn.restype = ctypes.c_int
    return fn


def read_clock() -> ClockReading:
    """Return what the kernel says about the wall clock; ``synchronised`` None when
    it cannot be asked (not Linux, no libc, an error)."""
    try:
        fn = _adjtimex()
    except (OSError, AttributeError):
        return ClockReading(None)
    tx = _Timex(modes=0)
    state = fn(ctypes.byref(tx))
    if state < 0:
        return ClockReading(None)
    synchronised = state != TIME_ERROR and not tx.status & STA_UNSYNC
    return ClockReading(synchronised, tx.esterror / 1e6, tx.maxerror / 1e6)
