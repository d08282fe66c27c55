"""The title lines above the monthly CSV (``link-monitor export``): what the file is,
for which machine and month, and the register's head with the verify result."""

from __future__ import annotations

from monitor.printout.records import ChainCheck
from monitor.texts import t


def csv_title_rows(
    machine: str, year: int, month: int, chain: ChainCheck, language: str
) -> list[list[str]]:
    """Return the rows to write before the CSV's header row, ending with an empty row.

    The head is ``RECORD:HASH``, as ``link-monitor verify`` prints it and its
    ``--anchor`` takes it."""
    L = language

    def w(key: str, **values: object) -> str:
        return t(L, f"printout.{key}", **values)

    if chain.ok and chain.first > 1:
        last = chain.first + (chain.count or 0) - 1
        check = w("csv.verify_ok_part", first=chain.first, last=last, count=chain.count)
    elif chain.ok:
        check = w("verify_ok", count=chain.count)
    else:
        check = w("csv.verify_broken", record=chain.broken_record, reason=chain.broken_reason)
    month_text = w("month_value", year=year, month=f"{month:02d}" if L == "en" else month)
    return [
        [w("csv.title")],
        [w("csv.machine"), machine],
        [w("csv.month"), month_text],
        [w("csv.head"), f"{chain.seq}:{chain.head}"],
        [w("csv.verify"), check],
        [],
    ]
