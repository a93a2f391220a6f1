"""The board's texts: every text in its code and templates has a Danish translation in the
catalogue, Danish is the default, and English is there on request."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir

from board.i18n import LOCALE_DIR, choose, translations
from infrastructure.config import REPO_ROOT

METHODS = [("board/**.py", "python"), ("board/templates/**.html", "jinja2")]
OPTIONS = {"board/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _ids() -> set[str]:
    found = extract_from_dir(str(REPO_ROOT), METHODS, keywords={"_": None, "N_": None,
                             "gettext": None}, options_map=OPTIONS)  # fmt: skip
    return {str(message) for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_board_text_has_a_danish_translation() -> None:
    ids = _ids()
    assert len(ids) > 100, "the extraction found too little: is the mapping right?"
    danish = translations("da")
    untranslated = sorted(text for text in ids if danish.gettext(text) == text
                          and text not in {"Team", "Team %(team)s"})  # fmt: skip
    assert untranslated == []
    assert (LOCALE_DIR / "en" / "LC_MESSAGES" / "board.po").exists()
    assert translations("en").gettext("Past the deadline and stalled") == (
        "Past the deadline and stalled"
    )


def test_the_language_is_danish_unless_english_is_asked_for() -> None:
    assert choose(None, None, None) == "da"
    assert choose(None, None, "de-DE,fr;q=0.8") == "da"
    assert choose(None, None, "en-GB,en;q=0.9,da;q=0.5") == "en"
    assert choose(None, "en", "da") == "en"
    assert choose("da", "en", "en") == "da"
    assert translations("da").gettext("Handover") == "Overlevering"
