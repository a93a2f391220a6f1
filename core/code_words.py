"""Codes that appear in texts for people (stages, departments, outcomes, opening kinds and
statuses, deadline kinds, what a stage waits for), marked here so the catalogue extraction
keeps them: English texts show the code itself, other languages translate it.

tests/unit/test_core_texts.py checks that this list covers every code.
"""

from core.language import N_

STAGES = (
    N_("JOB_GOAL_TALK"), N_("CV_READINESS"), N_("HANDOVER"), N_("MATCHING"), N_("PLACEMENT"),
    N_("CLOSED"),
)  # fmt: skip
DEPARTMENTS = (N_("sick_leave"), N_("company_service"))
OUTCOMES = (
    N_("employed"), N_("education"), N_("flex_job"), N_("small_job"),
    N_("back_to_sick_leave"), N_("moved"), N_("other"),
)  # fmt: skip
OPENING_KINDS = (
    N_("recruitment"), N_("internship"), N_("wage_subsidy"), N_("small_job"), N_("flex_job"),
)  # fmt: skip
OPENING_STATUSES = (
    N_("AWAITING_REGISTRATION"), N_("OPEN"), N_("PROPOSED"), N_("FILLED"), N_("WITHDRAWN"),
)  # fmt: skip
DEADLINE_KINDS = (
    N_("stage"), N_("moved"), N_("pause review"), N_("match response"), N_("follow up"),
    N_("handover window"),
)  # fmt: skip
WAITING_FOR = (
    N_("the early job-goal talk"), N_("an updated, complete CV"),
    N_("the company service to accept the handover"), N_("a match with an employer"),
    N_("the next after-care follow-up"), N_("progress"),
)  # fmt: skip
