"""Where the checkout's folders are (testkit is installed editable, from the checkout)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = REPO_ROOT / "tests"
