"""Typed search attributes ops staff filter cases by in the Temporal Web UI.

Values are pseudonymous by design (stage names, staff ids, municipality names): they are
indexed in clear by the Temporal server and must never carry personal data.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
DEPARTMENT = SearchAttributeKey.for_keyword("Department")
OWNER = SearchAttributeKey.for_keyword("Owner")
MUNICIPALITY = SearchAttributeKey.for_keyword("Municipality")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
STALLED = SearchAttributeKey.for_bool("Stalled")
OUTCOME = SearchAttributeKey.for_keyword("Outcome")
# Openings (workflow ids opening-<id>); they also set Owner, Municipality, NextDeadline,
# EscalationLevel and Department. Employer names are companies', not citizens'.
OPENING_STATUS = SearchAttributeKey.for_keyword("OpeningStatus")
OPENING_KIND = SearchAttributeKey.for_keyword("OpeningKind")
EMPLOYER = SearchAttributeKey.for_keyword("Employer")
# When the law's next follow-up deadline on a case passes (docs/statutory.md).
NEXT_STATUTORY_DEADLINE = SearchAttributeKey.for_datetime("NextStatutoryDeadline")

ALL = (
    CASE_STAGE,
    DEPARTMENT,
    OWNER,
    MUNICIPALITY,
    NEXT_DEADLINE,
    ESCALATION_LEVEL,
    STALLED,
    OUTCOME,
    OPENING_STATUS,
    OPENING_KIND,
    EMPLOYER,
    NEXT_STATUTORY_DEADLINE,
)


def shown(
    fixed: Iterable[SearchAttributeUpdate[Any]],
    wake: datetime | None,
    named: Iterable[tuple[SearchAttributeKey[str], object]],
) -> list[SearchAttributeUpdate[Any]]:
    """An entity's attributes in order: its own values, the next deadline, then names
    (each unset while the state has none)."""
    updates = [*fixed, NEXT_DEADLINE.value_set(wake) if wake else NEXT_DEADLINE.value_unset()]
    for key, value in named:
        updates.append(key.value_set(str(value)) if value else key.value_unset())
    return updates
