"""The reports' texts in Danish (the default) or English (`--lang en`): message ids are
English, in the catalogues reports/locale/<lang>/LC_MESSAGES/reports.po, read once by the
core's loader. Codes (stages, departments, outcomes) are the core's words in Danish
(core/code_words.py); in English the report keeps its own plain words for them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from core.language import DEFAULT, LANGUAGES, N_, look_up, read_catalogues
from core.language import say as core_say
from core.language import translated as core_translated

__all__ = ["DEFAULT", "LANGUAGES", "N_", "code", "say", "translated"]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "reports"
_CATALOGUES = read_catalogues(LOCALE_DIR, DOMAIN)


def say(lang: str, text: str, /, **values: object) -> str:
    """`text` in `lang` (English when it has no translation there), with `values` filled in."""
    return look_up(_CATALOGUES, lang, text, values)


def translated(lang: str, text: str) -> bool:
    """Whether the reports' catalogue of `lang` has its own text for `text`."""
    return text in _CATALOGUES.get(lang, {})


def code(lang: str, name: str, english: Mapping[str, str]) -> str:
    """A code for people: the report's plain `english` word, or in Danish the core's word
    for the code (the report's own catalogue for codes the core does not have)."""
    if lang == "en":
        return english.get(name, name)
    if core_translated(lang, name):
        word = core_say(lang, name)
        return word[:1].upper() + word[1:]
    return say(lang, english.get(name, name))
