"""The stages of a case and who works on each (DESIGN.md, "The process")."""

from enum import StrEnum


class Stage(StrEnum):
    JOB_GOAL_TALK = "JOB_GOAL_TALK"
    CV_READINESS = "CV_READINESS"
    HANDOVER = "HANDOVER"
    MATCHING = "MATCHING"
    PLACEMENT = "PLACEMENT"
    CLOSED = "CLOSED"


class Department(StrEnum):
    SICK_LEAVE = "sick_leave"
    COMPANY_SERVICE = "company_service"


DEPARTMENT = {
    Stage.JOB_GOAL_TALK: Department.SICK_LEAVE,
    Stage.CV_READINESS: Department.SICK_LEAVE,
    Stage.HANDOVER: Department.COMPANY_SERVICE,
    Stage.MATCHING: Department.COMPANY_SERVICE,
    Stage.PLACEMENT: Department.COMPANY_SERVICE,
}

WAITING_FOR = {
    Stage.JOB_GOAL_TALK: "the early job-goal talk",
    Stage.CV_READINESS: "an updated, complete CV",
    Stage.HANDOVER: "the company service to accept the handover",
    Stage.MATCHING: "a match with an employer",
    Stage.PLACEMENT: "the next after-care follow-up",
}
