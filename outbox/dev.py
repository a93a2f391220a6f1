"""The relay in the dev stack (scripts/up): its receivers file and the local receiver's
secret, made on first start like the payload key."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from outbox.config import RECEIVERS_VAR

DEV_RECEIVERS = "policies/receivers.dev.toml"
SECRET_FILE = "webhook-secret"  # in the data folder, where the dev receiver reads it
SECRET_VAR = "TRAPPEBRO_DEV_WEBHOOK_SECRET"  # what policies/receivers.dev.toml names


def ensure_webhook_secret(data_dir: Path) -> Path:
    """``<data_dir>/webhook-secret`` (owner-readable only), made once with a random secret."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("whsec_" + base64.b64encode(os.urandom(32)).decode() + "\n")
    return path


def relay_env(env: dict[str, str], data_dir: Path) -> dict[str, str]:
    """The worker's environment (its Temporal settings and payload key: the relay signals
    cases what became of their escalations) plus the receivers file: the configured one,
    else the dev file, with the secret of ``data_dir`` (made here on first start)."""
    if env.get(RECEIVERS_VAR):
        return env
    secret = ensure_webhook_secret(data_dir).read_text(encoding="utf-8").strip()
    return {**env, RECEIVERS_VAR: DEV_RECEIVERS, SECRET_VAR: secret}
