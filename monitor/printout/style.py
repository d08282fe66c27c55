"""The printed register's stylesheet: A4 landscape, Japanese fonts found on Ubuntu and
Debian, the table's header row repeated on every page, colours kept when printing."""

from __future__ import annotations

# The first installed family wins. Debian/Ubuntu: fonts-ipaexfont-gothic (IPAexGothic),
# fonts-noto-cjk (Noto Sans CJK JP), fonts-takao-gothic (TakaoGothic), fonts-vlgothic;
# Windows and macOS names last, for a copy opened elsewhere.
FONT_STACK = (
    '"IPAexGothic", "IPAPGothic", "Noto Sans CJK JP", "Noto Sans JP", '
    '"TakaoGothic", "VL Gothic", "Yu Gothic", "Meiryo", "Hiragino Sans", sans-serif'
)

CSS = """
@page { size: A4 landscape; margin: 7mm 8mm; }
* { box-sizing: border-box; }
html { font-family: FONTS; font-size: 7.5pt; color: #111;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; }
@media screen {
  body { background: #e8e8e8; }
  section.sheet { background: #fff; width: 297mm; min-height: 210mm; margin: 6mm auto;
                  padding: 7mm 8mm; box-shadow: 0 0 3mm #999; }
}
section.sheet + section.sheet { break-before: page; }
.masthead { display: flex; justify-content: space-between; align-items: flex-start;
            border-bottom: 0.6mm solid #333; padding-bottom: 1.2mm; margin-bottom: 1.6mm; }
h1 { font-size: 13.5pt; margin: 0 0 0.6mm 0; letter-spacing: 0.08em; }
h2 { font-size: 8.5pt; margin: 1.6mm 0 0.8mm 0; }
.subject { font-size: 10pt; }
.subject span + span { margin-left: 5mm; }
dl.meta { display: grid; grid-template-columns: auto 1fr; column-gap: 2mm; row-gap: 0.3mm;
          margin: 0; max-width: 128mm; font-size: 7pt; }
dl.meta dt { color: #555; }
dl.meta dd { margin: 0; }
.hash { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 6.2pt;
        word-break: break-all; }
.ok { color: #1b5e20; font-weight: bold; }
.bad { color: #b71c1c; font-weight: bold; }
.banner { background: #c62828; color: #fff; font-weight: bold; font-size: 10pt;
          padding: 2mm 3mm; margin: 0 0 1.6mm 0; }
.upper { display: flex; gap: 4mm; align-items: flex-start; }
.picture { flex: 0 0 196mm; margin: 0; }
.picture svg { width: 196mm; height: auto; display: block; }
.side { flex: 1 1 auto; }
svg text { font-family: FONTS; font-size: 7.8px; fill: #222; }
svg text.hour { font-size: 8px; fill: #444; }
svg text.day.sun { fill: #c62828; }
svg text.day.sat { fill: #1565c0; }
svg text.holiday { font-size: 7.2px; fill: #c62828; }
svg text.no { font-size: 7.2px; font-weight: bold; }
.legend { list-style: none; padding: 0; margin: 0 0 1.5mm 0; font-size: 6.8pt; }
.legend li { display: flex; align-items: center; gap: 1.2mm; margin: 0.3mm 0; }
.swatch { display: inline-block; width: 5mm; height: 2.4mm; border: 0.2mm solid #777; }
.swatch.hatch { background: repeating-linear-gradient(45deg, #424242 0 0.5mm, #fff 0.5mm 1.1mm); }
dl.summary { margin: 0; display: grid; grid-template-columns: auto 1fr; column-gap: 2mm;
             row-gap: 0.6mm; font-size: 7.5pt; }
dl.summary dt { font-weight: bold; }
dl.summary dd { margin: 0; }
dl.summary dd.alarm { color: #b71c1c; font-weight: bold; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.2mm solid #888; padding: 0.15mm 0.8mm; vertical-align: top;
         font-size: 6.8pt; line-height: 1.18; text-align: left; }
th { background: #eceff1; font-weight: bold; white-space: nowrap; }
td.c-number { text-align: right; font-weight: bold; }
td.c-start, td.c-end, td.c-duration { white-space: nowrap; }
td.c-alerts, td.c-ack { font-size: 6.3pt; }
span.unreported { color: #b71c1c; font-weight: bold; font-size: 6.3pt; }
span.reported { font-size: 6.3pt; }
td.c-traffic { font-size: 6.3pt; white-space: nowrap; }
html:lang(ja) td.c-purpose, td.c-company, td.c-staff, td.c-granted_by { white-space: nowrap; }
tr.v-clinic-hours td.c-verdict { color: #b71c1c; font-weight: bold; }
tr.v-clinic-hours td.c-number { box-shadow: inset 1.2mm 0 0 #c62828; }
tr.v-outside-window td.c-number { box-shadow: inset 1.2mm 0 0 #7b1fa2; }
tr.v-overdue td.c-number { box-shadow: inset 1.2mm 0 0 #e65100; }
tr.v-no-permit td.c-number { box-shadow: inset 1.2mm 0 0 #f0a800; }
tr.v-permitted td.c-number { box-shadow: inset 1.2mm 0 0 #2e7d32; }
.note { font-size: 6pt; color: #555; }
p.empty { font-size: 9pt; margin: 2mm 0; }
.signoff { display: flex; align-items: flex-end; gap: 3mm; margin-top: 2mm;
           break-inside: avoid; }
.signoff .box { width: 34mm; height: 12.5mm; border: 0.3mm solid #333; padding: 0.6mm 1mm;
                font-size: 7pt; flex: 0 0 auto; }
.signoff .box.date { width: 44mm; }
.foot { flex: 1 1 auto; font-size: 6pt; color: #666; margin: 0; }
table.year td, table.year th { font-size: 8.5pt; padding: 0.8mm 2mm; }
table.year td.num { text-align: right; }
table.media td, table.media th { font-size: 7.5pt; padding: 0.4mm 1.5mm; text-align: left; }
table.year tr.total td { font-weight: bold; border-top: 0.5mm solid #333; }
""".replace("FONTS", FONT_STACK)
