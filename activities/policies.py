"""The policy activity: the workflow asks which deadlines a new case gets.

Reading the file in an activity keeps the workflow deterministic: the answer is recorded
in the case's history, and the case keeps that snapshot for life. The file is re-read when
it changes, so an edit reaches every case opened after it without a worker restart.
"""

from pathlib import Path

from temporalio import activity

from core.policy import Policy, PolicyBook, load_policy_book
from workflows.activity_names import LOAD_POLICY


class PolicySource:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._book: PolicyBook | None = None
        self._mtime = -1.0
        self._check()

    def _check(self) -> PolicyBook:
        mtime = self._path.stat().st_mtime
        if self._book is None or mtime != self._mtime:
            self._book, self._mtime = load_policy_book(self._path), mtime
        return self._book

    @activity.defn(name=LOAD_POLICY)
    async def load_policy(self, municipality: str) -> Policy:
        """The municipality's policy (the default one where it has none). Read-only."""
        return self._check().for_municipality(municipality)
