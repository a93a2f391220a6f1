"""The texts people read about cases and openings (outbox messages, Current details, status):
Danish by default, English when the policy says `language = "en"`, every text of the
code in the Danish catalogue, and the catalogues compile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, get_args

import pytest
from babel.messages.extract import extract_from_dir
from pydantic import ValidationError

from core import code_words
from core.case.deadlines import next_wakeup
from core.case.delivery import DeliveryNews, LastEscalation
from core.case.details import delivery_line, describe, status
from core.case.events import OpeningKind, Outcome
from core.case.state import DeadlineKind, SendMessage
from core.kernel.timeline_words import timeline_entry
from core.language import DOMAIN, LANGUAGES, LOCALE_DIR, translated
from core.opening.process import decide_opening
from core.opening.state import OpeningMessage, OpeningState, OpeningStatus
from core.opening.words import describe_opening
from core.policy import Policy
from core.stages import WAITING_FOR, Department, Stage
from infrastructure.config import REPO_ROOT
from infrastructure.policy_file import load_policy_book
from testkit.catalogues import assert_compiles, assert_danish
from testkit.openings import OPENING, opening
from testkit.samples import Case, event, local, messages, policy

KEYWORDS: dict[str, Any] = {"say": (2,), "N_": None}


def _ids() -> set[str]:
    found = extract_from_dir(str(REPO_ROOT / "core"), [("**.py", "python")], keywords=KEYWORDS)
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_core_text_has_a_danish_translation_with_the_same_placeholders() -> None:
    ids = _ids()
    assert len(ids) > 100, "the extraction found too little: are the keywords right?"
    assert_danish(ids, LOCALE_DIR, DOMAIN, translated)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_compile(lang: str) -> None:
    assert_compiles(LOCALE_DIR, lang, DOMAIN)


def test_every_code_shown_to_people_is_in_the_catalogue() -> None:
    codes = [
        *Stage, *Department, *get_args(Outcome), *get_args(OpeningKind),
        *get_args(OpeningStatus), *WAITING_FOR.values(),
        *(kind.replace("_", " ") for kind in get_args(DeadlineKind)),
    ]  # fmt: skip
    marked = {text for table in vars(code_words).values() if isinstance(table, tuple)
              for text in table}  # fmt: skip
    assert sorted(set(codes) - marked) == []
    assert all(translated("da", code) for code in codes)


def _english() -> Policy:
    return policy().model_copy(update={"language": "en"})


def _ladder(pol: Policy | None = None) -> Case:
    """A case whose job-goal talk never happens, ticked past level 3 and its repeats."""
    case = Case(pol)
    case.apply(event("case_opened", local("2026-11-02 09:00")))
    while (wake := next_wakeup(case.state)) is not None and wake <= local("2026-12-07 09:00"):
        case.tick(wake)  # each rung on time
    return case


def _later(pol: Policy | None = None) -> list[SendMessage]:
    """Handover requested, sent back, accepted; then a wage talk and an early warning."""
    return [m for m in messages(_placed(pol).effects) if m.message_kind != "escalation"]


def _placed(pol: Policy | None = None) -> Case:
    case = Case(pol)
    case.apply(event("case_opened", local("2026-11-02 09:00")))
    case.apply(event("job_goal_talk_held", local("2026-11-03 10:00")))
    case.apply(event("fit_for_work_declared", local("2026-11-04 09:00")))
    case.apply(event("cv_updated", local("2026-11-05 10:00")))
    case.apply(event("handover_rejected", local("2026-11-06 10:00"), reason="CV mangler"))
    case.apply(event("cv_updated", local("2026-11-07 10:00")))
    case.apply(event("handover_accepted", local("2026-11-09 11:00"), consultant="vs-03"))
    case.apply(event("match_proposed", local("2026-11-12 12:00")))
    case.apply(event("placement_started", local("2026-11-16 08:00"), started_on="2026-11-16"))
    case.apply(event("progression_scored", local("2026-11-18 10:00"), score=7))
    case.apply(event("progression_scored", local("2026-11-19 10:00"), score=4))
    case.apply(event("case_closed", local("2026-11-20 10:00"), outcome="employed"))
    return case


def test_escalations_at_every_level_are_danish_by_default() -> None:
    texts = [m.text for m in messages(_ladder().effects) if m.message_kind == "escalation"]
    assert texts[0].startswith("Sag K-2026-004711 (Norddjurs), fase Jobmålssamtale: den har")
    assert texts[0].endswith("Niveau 1 (sagsbehandler): handl venligst.")
    assert texts[1].endswith("Niveau 2 (teamleder): handl venligst.")
    assert texts[2].endswith("Niveau 3 (afdelingsleder): sagen er gået i stå.")
    assert texts[3].endswith("Niveau 3 (afdelingsleder): sagen er gået i stå.")


def test_escalations_are_english_on_request() -> None:
    stage_ladder = messages(_ladder(_english()).effects)
    texts = [m.text for m in stage_ladder if m.message_kind == "escalation"]
    assert texts[0].startswith("Case K-2026-004711 (Norddjurs), stage JOB_GOAL_TALK: it has")
    assert texts[0].endswith("Level 1 (owner): please act.")
    assert texts[2].endswith("Level 3 (department head): the case is stalled.")


def test_messages_an_event_sends_are_danish_by_default_and_english_on_request() -> None:
    kinds = ["handover_requested", "handover_rejected", "handover_requested", "wage_talk",
             "early_warning"]  # fmt: skip
    danish, english = _later(), _later(_english())
    assert [m.message_kind for m in danish] == kinds == [m.message_kind for m in english]
    assert "er overleveret til virksomhedsservice: jobmål og CV er klar" in danish[0].text
    assert danish[1].text.endswith(
        "virksomhedsservice har sendt overleveringen tilbage: CV mangler"
    )
    assert "Start lønsamtalen med arbejdsgiveren" in danish[3].text
    assert "faldt fra 7 til 4/10" in danish[4].text
    assert "is handed over to the company service: job goal and CV are ready" in english[0].text
    assert english[1].text.endswith("the company service sent the handover back: CV mangler")
    assert "Start the wage talk with the employer" in english[3].text
    assert "fell from 7 to 4/10" in english[4].text


def test_current_details_and_status_are_danish_by_default() -> None:
    state = _ladder().state
    details = describe(state)
    assert details.startswith("**Jobmålssamtale** - venter på den tidlige jobmålssamtale")
    for line in ("Sagsbehandler: **sb-02** (sygedagpengeafdelingen)", "Frist: **",
                 "(fasens frist)", "Næste: ny påmindelse på niveau 3 til", "Eskalering: niveau 3 "
                 "- **GÅET I STÅ**", "Seneste hændelse: case_opened", "Politik: "):  # fmt: skip
        assert line in details
    assert status(state).startswith("Sag K-2026-004711 (Norddjurs)\n\n")
    assert "\nTidslinje:\n" in status(state)
    english = describe(_ladder(_english()).state)
    assert english.startswith("**JOB_GOAL_TALK** - waiting for the early job-goal talk")
    assert "Escalation: level 3 - **STALLED**" in english


def test_the_delivery_line_and_a_closed_case_in_danish() -> None:
    case = _ladder()
    at = local("2026-12-07 09:00:01")
    news = DeliveryNews(message_key="k", kind="escalation", outcome="delivered", at=at)
    line = delivery_line(
        LastEscalation(level=3, message_key="k", news=news), "Europe/Copenhagen", "da"
    )
    assert line == "Seneste eskalering (niveau 3): **leveret** 2026-12-07 09:00 CET"
    case.apply(event("case_closed", local("2026-12-08 09:00"), outcome="employed"))
    assert describe(case.state).startswith("**Afsluttet** - udfald **i job** 2026-12-08 09:00")


def _opening(pol: Policy) -> tuple[OpeningState, OpeningMessage]:
    registered = opening("opening_registered")
    state = decide_opening(
        OpeningState(opening_id=OPENING), registered, registered.occurred_at, pol
    )
    assert state.state.deadline is not None
    due = decide_opening(state.state, None, state.state.deadline + timedelta(days=1))
    [message] = due.effects
    assert isinstance(message, OpeningMessage)
    return state.state, message


def test_the_opening_in_danish_by_default_and_english_on_request() -> None:
    state, message = _opening(policy())
    assert message.text.startswith(f"Opslag {OPENING} (løntilskud hos ")
    assert "Niveau 2 (teamleder): find venligst kandidater" in message.text
    assert "Sendt for sent: skulle være sendt" in message.text
    assert describe_opening(state).startswith(f"**ÅBEN** - Opslag {OPENING}")
    state, message = _opening(_english())
    assert message.text.startswith(f"Opening {OPENING} (wage_subsidy at ")
    assert "Sent late: this was due" in message.text
    assert describe_opening(state).startswith(f"**OPEN** - Opening {OPENING}")


def test_every_timeline_entry_is_shown_in_danish() -> None:
    state, _ = _opening(policy())
    entries = [e.what for e in (*_ladder().state.timeline, *_placed().state.timeline,
               *state.timeline)]  # fmt: skip
    assert sorted({e for e in entries if timeline_entry(e, "da") == e}) == []
    assert timeline_entry("entered HANDOVER", "da") == "gik ind i fasen Overlevering"
    assert timeline_entry("entered HANDOVER", "en") == "entered HANDOVER"


def test_a_municipality_may_choose_english_and_nothing_else() -> None:
    book = load_policy_book(REPO_ROOT / "policies" / "default.toml")
    assert book.for_municipality("Norddjurs").language == "da"
    english = book.model_copy(update={"municipalities": {"Norddjurs": {"language": "en"}}})
    assert english.for_municipality("Norddjurs").language == "en"
    assert english.for_municipality("Aarhus").language == "da"
    german = book.model_copy(update={"municipalities": {"Norddjurs": {"language": "de"}}})
    with pytest.raises(ValidationError, match="language"):
        german.for_municipality("Norddjurs")
    old = policy().model_dump(exclude={"language"})  # a snapshot from before the choice
    assert Policy.model_validate(old).language == "da"
