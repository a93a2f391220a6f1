"""The reports' texts (starter.py report and whatif): every message id of reports/ and
headings.toml has a Danish translation with the same placeholders, the catalogues
compile, and the tables speak Danish by default and English when asked."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir

from core.language import LANGUAGES
from infrastructure.config import REPO_ROOT
from reports.data import Period, ReportData
from reports.language import DOMAIN, LOCALE_DIR, translated
from reports.tables import all_tables
from reports.whatif.figures import Figures
from reports.whatif.tables import messages
from reports.words import headlines
from testkit.catalogues import assert_compiles, assert_danish

KEYWORDS: dict[str, Any] = {"say": (2,), "N_": None}
METHODS = [("**.py", "python"), ("headings.toml", "reports.heading_ids.extract_toml")]


def _ids() -> set[str]:
    found = extract_from_dir(str(REPO_ROOT / "reports"), METHODS, keywords=KEYWORDS)
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_report_text_has_a_danish_translation_with_the_same_placeholders() -> None:
    ids = _ids()
    assert len(ids) > 150, "the extraction found too little: are the keywords right?"
    assert "Time in each stage" in ids and "Stays" in ids  # headings.toml is read too
    assert_danish(ids, LOCALE_DIR, DOMAIN, translated)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_catalogues_compile(lang: str) -> None:
    assert_compiles(LOCALE_DIR, lang, DOMAIN)


def _data(lang: str) -> ReportData:
    data = ReportData(Period(date(2026, 1, 1), date(2026, 1, 31), "Norddjurs"), lang)
    data.stage_days = {"CV_READINESS": [2.0, 4.0]}
    data.lead_days = [-3]
    data.funnel = [("Case opened", 2), ("Employed at the end", 1)]
    data.paths = [{"path": "JOB_GOAL_TALK > CV_READINESS", "outcome": "employed", "cases": 1}]
    data.open_cases = [{"stage": "HANDOVER", "age_band": "1: under 4 weeks", "cases": 1,
                        "stalled": 0, "paused": 0}]  # fmt: skip
    return data


def _cells(data: ReportData) -> list[str]:
    return [cell for table in all_tables(data) for row in table.rows for cell in row]


def test_the_report_is_danish_by_default_with_the_cores_words_for_codes() -> None:
    data = _data("da")
    assert ReportData(data.period).lang == "da"
    cells, titles = _cells(data), [t.title for t in all_tables(data)]
    assert "Tid i hvert trin" in titles and "Time in each stage" not in titles
    assert {"CV klar", "Overlevering", "I job", "Sag oprettet", "under 4 uger"} <= set(cells)
    assert "Jobmålssamtale → CV klar" in cells
    assert headlines(data)[1].note == "1 af 1 accepterede overleveringer; typisk 3.0 dage før " \
        "raskmeldingsdatoen"  # fmt: skip
    assert data.period.label_in("da") == "Norddjurs, 01 jan. 2026 til 31 jan. 2026"


def test_the_report_in_english_keeps_its_plain_words() -> None:
    data = _data("en")
    cells = _cells(data)
    assert {"CV and fitness", "Waiting for the company service", "Employed"} <= set(cells)
    assert "Job-goal talk → CV and fitness" in cells and "Case opened" in cells
    assert headlines(data)[1].note == "1 of 1 accepted handovers; typically 3.0 days before " \
        "the fit-for-work date"  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "row", "header"),
    [
        ("da", ("Overskredet frist, niveau 2: teamleder underrettet", "1", "2", "+1 (+100%)"),
         "Besked"),
        ("en", ("Missed deadline, level 2: team lead told", "1", "2", "+1 (+100%)"), "Message"),
    ],
)  # fmt: skip
def test_the_whatif_tables_speak_the_language_asked(
    lang: str, row: tuple[str, ...], header: str
) -> None:
    current = Figures("nu", messages=Counter({("escalation", 2): 1}))
    new = Figures("ny", messages=Counter({("escalation", 2): 2}))
    table = messages(lang, current, new, 4)
    assert tuple(table.rows[0]) == row and table.headers[:3] == (header, "nu", "ny")
    assert "4" in table.note
