"""Input and output of the daily digest workflow's activity."""

from datetime import date

from pydantic import BaseModel

DIGEST_WORKFLOW = "DigestWorkflow"
DIGEST_SCHEDULE_ID = "trappebro-daily-digest"
DIGEST_TIMEZONE = "Europe/Copenhagen"


class DigestRequest(BaseModel):
    day: date
    timezone: str = DIGEST_TIMEZONE


class DigestResult(BaseModel):
    day: date
    teams: int
    written: int
