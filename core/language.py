"""Texts for people in their municipality's language (the policy's `language`).

Message ids are English and live in Babel catalogues, core/locale/<lang>/LC_MESSAGES/core.po.
Each catalogue is read once, when this module is imported (before any workflow runs), into
a plain mapping: the workflow sandbox then looks texts up without I/O or the machine's locale.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from babel.messages.pofile import read_po

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")
DEFAULT: Language = "da"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "core"


def read_catalogue(folder: Path, lang: str, domain: str) -> dict[str, str]:
    """A .po file's translated, non-fuzzy messages as msgid -> msgstr (shared with board/)."""
    with (folder / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalog = read_po(po, locale=lang, domain=domain)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id
        and message.string
        and not message.fuzzy
        and isinstance(message.id, str)
        and isinstance(message.string, str)
    }


Catalogues = Mapping[str, Mapping[str, str]]


def read_catalogues(folder: Path, domain: str) -> Catalogues:
    """Every language's catalogue of `domain` under `folder` (the core's, the reports')."""
    return {lang: read_catalogue(folder, lang, domain) for lang in LANGUAGES}


def look_up(catalogues: Catalogues, lang: str, text: str, values: Mapping[str, object]) -> str:
    """`text` in `lang` from `catalogues` (the text itself when untranslated), filled in."""
    found = catalogues.get(lang, {}).get(text, text)
    return found.format(**values) if values else found


_CATALOGUES = read_catalogues(LOCALE_DIR, DOMAIN)


def N_(text: str) -> str:
    """Marks a text for the catalogue where it is defined; `say` translates it where used."""
    return text


def say(lang: str, text: str, /, **values: object) -> str:
    """`text` in `lang` (English when it has no translation there), with `values` filled in."""
    return look_up(_CATALOGUES, lang, text, values)


def translated(lang: str, text: str) -> bool:
    """Whether the catalogue of `lang` has its own text for `text` (the catalogue test)."""
    return text in _CATALOGUES.get(lang, {})
