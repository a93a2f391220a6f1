"""The board's languages: Babel message catalogues (board/locale/<lang>/LC_MESSAGES/board.po),
compiled in memory when the board starts, so no build step is needed; Danish by default."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("da", "en")
DEFAULT = "da"
DOMAIN = "board"


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `lang` (one of LANGUAGES)."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang= first, then the remembered choice, then the browser's Accept-Language."""
    for asked in (query, cookie):
        if asked in LANGUAGES:
            return asked
    if accept_language:
        parts = accept_language.split(",")
        wanted = [part.split(";")[0].strip().replace("-", "_") for part in parts]
        found = Locale.negotiate([w for w in wanted if w and w != "*"], list(LANGUAGES))
        if found is not None:
            return found.language
    return DEFAULT
