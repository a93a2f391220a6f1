"""Typed search attributes ops staff filter cases by in the Temporal Web UI.

Values are pseudonymous by design (stage names, staff ids, municipality names): they are
indexed in clear by the Temporal server and must never carry personal data.
"""

from temporalio.common import SearchAttributeKey

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
)
