"""The month's media records (媒体の記録): every insertion and removal of a removable
medium, with its device, serial and registered label. Words from the catalog area
``media``; times in the configured zone."""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from monitor.domain.media import MediaObserved
from monitor.printout.table import date_time
from monitor.texts import t


def media_html(events: tuple[MediaObserved, ...], zone: tzinfo, language: str) -> str:
    """Return the section's heading and table; one line when the month has none (the
    page puts that line beside the summary, so a full month still fits one sheet)."""
    L = language
    title = f"<h2>{escape(t(L, 'media.log.title'))}</h2>"
    if not events:
        return f'{title}<p class="empty">{escape(t(L, "media.log.empty"))}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in t(L, "media.log.header").split("\t"))
    rows = []
    for e in events:
        m = e.medium
        cells = (
            date_time(e.at, zone, L, seconds=True),
            t(L, f"media.action.{e.action}"),
            f"/dev/{m.device}",
            m.serial or t(L, "media.no_serial"),
            e.label or t(L, "media.unregistered"),
            " ".join(x for x in (m.vendor, m.model) if x),
        )
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return f'{title}<table class="media"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
