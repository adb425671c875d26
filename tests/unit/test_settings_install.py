"""The session's settings are installed as an object (workers.settings.use_settings), and children that read
the environment instead build equal settings from tests.support.settings.as_env."""

from __future__ import annotations

import os

import pytest

from tests.support.settings import RUN_ID, SETTINGS, as_env
from workers.settings import Settings, get_settings, use_settings


def test_the_session_runs_with_the_installed_object() -> None:
    assert get_settings() is SETTINGS
    # its own database and Redis prefix, never a live deployment's
    assert RUN_ID in SETTINGS.database_url and RUN_ID in SETTINGS.key_prefix


def test_use_settings_replaces_and_none_goes_back_to_the_environment() -> None:
    other = SETTINGS.model_copy(update={"batch_size": 3})
    try:
        use_settings(other)
        assert get_settings() is other
        use_settings(None)
        assert get_settings() is not SETTINGS and isinstance(get_settings(), Settings)
    finally:
        use_settings(SETTINGS)
    assert get_settings() is SETTINGS


def test_a_child_reading_the_environment_builds_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given only the variables a child process gets (nothing else of SILKWIRE_* in the way)
    for name in [n for n in os.environ if n.startswith("SILKWIRE_")]:
        monkeypatch.delenv(name)
    for name, value in as_env(SETTINGS).items():
        monkeypatch.setenv(name, value)
    # expect every field the session set to come out equal
    child = Settings()
    assert {n: getattr(child, n) for n in SETTINGS.model_fields_set} == \
        {n: getattr(SETTINGS, n) for n in SETTINGS.model_fields_set}
