"""StorageSettings: URL spellings users already have, per-domain fallback, secrets kept secret."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError as PydanticValidationError

from mastra_data import ConfigurationError, Storage, StorageSettings
from mastra_data.db.dialects import normalize_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("file:./mastra.db", "sqlite+libsql:///./mastra.db"),
        ("file:/var/data/mastra.db", "sqlite+libsql:////var/data/mastra.db"),
        ("file:///var/data/mastra.db", "sqlite+libsql:////var/data/mastra.db"),
        (":memory:", "sqlite+libsql:///:memory:"),
        ("libsql://my-db.turso.io", "sqlite+libsql://my-db.turso.io?secure=true"),
        ("sqlite:///x.db", "sqlite+libsql:///x.db"),
        ("sqlite+libsql:///./mastra.db", "sqlite+libsql:///./mastra.db"),
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@/db?host=/run/postgresql", "postgresql+psycopg://u@/db?host=/run/postgresql"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_urls_are_normalised(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected
    assert StorageSettings(url=raw).url == expected


@pytest.mark.parametrize("raw", ["mysql://root@h/db", "mongodb://h", "http://example.com", "nonsense"])
def test_unknown_schemes_are_refused_by_name(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="Unsupported database URL scheme"):
        normalize_url(raw)
    with pytest.raises(PydanticValidationError, match="Unsupported database URL scheme"):
        StorageSettings(url=raw)


def test_default_is_the_embedded_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MASTRA_DATA_URL", raising=False)
    settings = StorageSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.url == "sqlite+libsql:///./mastra.db"
    assert settings.url_for("memory") == settings.url


def test_environment_and_domain_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTRA_DATA_URL", "file:./main.db")
    monkeypatch.setenv("MASTRA_DATA_OBSERVABILITY_URL", "postgres://u@h/traces")
    settings = StorageSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.url_for("memory") == "sqlite+libsql:///./main.db"
    assert settings.url_for("workflows") == "sqlite+libsql:///./main.db"
    assert settings.url_for("observability") == "postgresql+psycopg://u@h/traces"
    assert settings.url_for("vector") == "sqlite+libsql:///./main.db"


def test_composite_storage_gives_each_url_its_own_engine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    storage = Storage(
        StorageSettings(url=f"file:{tmp_path / 'a.db'}", workflows_url=f"file:{tmp_path / 'b.db'}")
    )
    with storage:
        assert storage.engine_for("memory") is storage.engine_for("scores")
        assert storage.engine_for("workflows") is not storage.engine_for("memory")
        assert storage.engine_for("workflows").url.database == str(tmp_path / "b.db")
        storage.migrate()
    assert (tmp_path / "a.db").exists()
    assert (tmp_path / "b.db").exists()


def test_secrets_never_show(caplog: pytest.LogCaptureFixture) -> None:
    settings = StorageSettings(url="postgres://app:hunter2@db.example/mastra", auth_token="tok-SECRET-123")
    storage = Storage(settings)
    for text in (repr(settings), str(settings), repr(storage), str(settings.model_dump())):
        assert "hunter2" not in text or text == str(settings.model_dump())
        assert "tok-SECRET-123" not in text
    assert "hunter2" not in repr(settings)
    assert "***" in repr(settings)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings: %r", settings)
    assert "hunter2" not in caplog.text
    assert "tok-SECRET-123" not in caplog.text
    assert settings.auth_token is not None
    assert settings.auth_token.get_secret_value() == "tok-SECRET-123"


def test_from_url_turns_bad_settings_into_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="pool_size"):
        Storage.from_url("file:./x.db", pool_size=0)
