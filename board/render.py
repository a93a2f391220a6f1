"""Templates: one Jinja2 environment per language, autoescaped, with the catalogue's
gettext installed, and filters for times in the job centres' time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_datetime, format_timedelta
from jinja2 import Environment, FileSystemLoader, select_autoescape

from board import keys, words
from board.i18n import translations

TEMPLATES = Path(__file__).resolve().parent / "templates"
ZONE = ZoneInfo("Europe/Copenhagen")
FILTER_TABLES = {
    "stage": words.STAGES,
    "waits": words.WAITS_FOR,
    "level": words.LEVELS,
    "kind": words.MESSAGE_KINDS,
    "delivery": words.DELIVERY,
    "opening_kind": words.OPENING_KINDS,
    "outcome": words.OUTCOMES,
}


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = lambda value: _when(value, lang)
    env.filters["ago"] = lambda value: _ago(value, lang)
    env.filters["day"] = words.day
    gettext = translations(lang).gettext
    for name, table in FILTER_TABLES.items():
        env.filters[name] = lambda key, table=table: words.word(table, key, gettext)
    return env


def _when(value: datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    pattern = "d. MMM yyyy HH:mm" if lang == "da" else "d MMM yyyy HH:mm"
    return format_datetime(value.astimezone(ZONE), pattern, locale=lang)


def _ago(value: datetime | date | None, lang: str) -> str:
    if not isinstance(value, datetime):
        return "–"
    return format_timedelta(datetime.now(UTC) - value, threshold=1.5, locale=lang)


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    lang: str = request[keys.LANG]
    env = environment(lang)
    html = env.get_template(template).render(
        lang=lang,
        path=request.path,
        csrf=request.app[keys.SIGNER].csrf_token(request),
        viewer=request.get(keys.VIEWER),
        lead=request.get(keys.LEAD),
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
