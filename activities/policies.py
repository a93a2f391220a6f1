"""The policy activity: the workflow asks which deadlines a new case gets.

Reading the file in an activity keeps the workflow deterministic: the answer is recorded
in the case's history, and the case keeps that snapshot for life. The file is re-read when
it changes, so an edit reaches every case opened after it without a worker restart.
"""

from datetime import date
from pathlib import Path

import structlog
from temporalio import activity

from core.policy import Policy, PolicyBook
from infrastructure import policy_file
from workflows.activity_names import LOAD_POLICY

log = structlog.get_logger("activities.policies")


class PolicySource:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._book: PolicyBook | None = None
        self._mtime = -1.0
        self._check()

    def _check(self) -> PolicyBook:
        mtime = self._path.stat().st_mtime
        if self._book is None or mtime != self._mtime:
            self._book, self._mtime = policy_file.load_policy_book(self._path), mtime
            policy_file.log_statutory_exemptions(self._book, log)
        return self._book

    @activity.defn(name=LOAD_POLICY)
    async def load_policy(self, municipality: str) -> Policy:
        """The municipality's policy (the default one where it has none), with the
        holidays of the years around today. Read-only."""
        policy = self._check().for_municipality(municipality)
        return policy_file.with_holidays(policy, date.today())
