"""Settings from the environment and a Temporal profile file; bad values refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.config import REPO_ROOT, load_settings


def _env(**values: str) -> dict[str, str]:
    # No HOME: envconfig must not read a developer's own Temporal profile file.
    return {"TEMPORAL_CONFIG_FILE": str(REPO_ROOT / "no-such-temporal.toml"), **values}


def test_settings_defaults() -> None:
    settings = load_settings(_env())
    assert settings.temporal_address == "localhost:7233"
    assert settings.temporal_namespace == "default"
    assert settings.task_queue == "trappebro-cases"
    assert settings.database_url is None
    assert settings.policy_path == REPO_ROOT / "policies" / "default.toml"
    assert settings.log_level == "INFO"
    assert settings.db_pool_max == 10
    assert settings.temporal_connect_config() == {
        "target_host": "localhost:7233",
        "namespace": "default",
    }


def test_settings_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        _env(
            TEMPORAL_ADDRESS="temporal.example:7233",
            TEMPORAL_NAMESPACE="jobcentre",
            TEMPORAL_API_KEY="secret",
            TRAPPEBRO_TASK_QUEUE="q",
            DATABASE_URL="postgresql://u@db/x",
            TRAPPEBRO_POLICY="policies/demo.toml",
            LOG_LEVEL="debug",
            TRAPPEBRO_DB_POOL_MAX="3",
        )
    )
    config = settings.temporal_connect_config()
    assert config["target_host"] == "temporal.example:7233"
    assert config["namespace"] == "jobcentre"
    assert config["api_key"] == "secret"
    assert config["tls"] is True  # an API key implies TLS
    assert settings.task_queue == "q"
    assert settings.database_url == "postgresql://u@db/x"
    assert settings.policy_path == REPO_ROOT / "policies" / "demo.toml"
    assert settings.log_level == "DEBUG"
    assert settings.db_pool_max == 3
    absolute = tmp_path / "p.toml"
    assert load_settings(_env(TRAPPEBRO_POLICY=str(absolute))).policy_path == absolute
    assert load_settings(_env(DATABASE_URL="")).database_url is None


def test_settings_profile_file(tmp_path: Path) -> None:
    profile = tmp_path / "temporal.toml"
    profile.write_text('[profile.prod]\naddress = "prod:7233"\nnamespace = "prodns"\n')
    settings = load_settings({"TEMPORAL_CONFIG_FILE": str(profile), "TEMPORAL_PROFILE": "prod"})
    assert (settings.temporal_address, settings.temporal_namespace) == ("prod:7233", "prodns")


@pytest.mark.parametrize(
    "name, value",
    [("LOG_LEVEL", "LOUD"), ("TRAPPEBRO_DB_POOL_MAX", "many"), ("TRAPPEBRO_DB_POOL_MAX", "0")],
)
def test_settings_refuse_bad_values(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings(_env(**{name: value}))
