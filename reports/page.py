"""One self-contained HTML page: headline figures, the charts (PNG inlined as base64) and
the tables. No scripts, fonts or links outside the file: it can be mailed or archived."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from html import escape

from babel.dates import format_datetime

from reports.data import Period
from reports.language import say
from reports.tables import Table
from reports.words import Headline

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #1d1d1d; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .sub { color: #555; margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr));
         gap: 1rem; margin: 1.5rem 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 0.8rem 1rem; }
.card .value { font-size: 2rem; font-weight: 700; } .card .note { color: #555; }
img { max-width: 100%; border: 1px solid #eee; border-radius: 6px; margin: 0.5rem 0 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 0.3rem; width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.35rem 0.6rem; text-align: left; }
th { background: #f4f6f9; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #555; margin-top: 0.2rem; } footer { color: #777; margin-top: 2rem; }
"""


def _cards(headlines: list[Headline]) -> str:
    return "".join(
        f'<div class="card"><div>{escape(h.label)}</div><div class="value">{escape(h.value)}'
        f'</div><div class="note">{escape(h.note)}</div></div>'
        for h in headlines
    )


def _cell(text: str) -> str:
    numeric = text.replace("%", "").replace("–", "").replace("(", "").replace(")", "")
    cls = ' class="n"' if numeric.replace(" ", "").replace(".", "").lstrip("-").isdigit() else ""
    return f"<td{cls}>{escape(text)}</td>"


def table_html(table: Table, lang: str, heading: str = "") -> str:
    """The table under `heading`; its own title only when it says something else."""
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in table.rows)
    if not table.rows:
        empty = escape(say(lang, "No data in this period"))
        body = f'<tr><td colspan="{len(table.headers)}">{empty}</td></tr>'
    title = "" if table.title == heading else f"<h3>{escape(table.title)}</h3>"
    return (
        f"{title}<table><thead><tr>{head}</tr></thead>"
        f'<tbody>{body}</tbody></table><p class="note">{escape(table.note)}</p>'
    )


def image_html(title: str, png: bytes) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(title)}" src="data:image/png;base64,{encoded}">'


def page(
    period: Period,
    headlines: list[Headline],
    sections: Sequence[tuple[str, bytes | None, Table | None]],
    made_at: datetime,
    lang: str,
    title: str | None = None,
    source: str | None = None,
) -> str:
    """`sections`: a heading with its chart and/or table, in the order they are shown; all
    texts given are in `lang` already (the report's own title and source when none)."""
    title = title or say(lang, "What works: cases from sick leave to work")
    source = source or say(lang, "the Trappebro reporting views")
    label = period.label_in(lang)
    made = format_datetime(made_at, "dd MMM y HH:mm", locale=lang)
    head = say(lang, "Trappebro report: {period}", period=label)
    footer = say(lang, "Made {when} from {source}.", when=made, source=source)
    parts = []
    for heading, png, table in sections:
        parts.append(f"<h2>{escape(heading)}</h2>")
        if png is not None:
            parts.append(image_html(heading, png))
        if table is not None:
            parts.append(table_html(table, lang, heading))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(head)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f'<p class="sub">{escape(label)}</p><div class="cards">{_cards(headlines)}</div>'
        + "".join(parts)
        + f"<footer>{escape(footer)}</footer>"
        "</body></html>"
    )
