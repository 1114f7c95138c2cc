"""Secrets never leave the process: passwords and auth tokens stay out of ``repr``/``str`` of the settings
and of :class:`Storage`, out of log records (DEBUG, SQLAlchemy ``echo=True`` included), out of errors from
a failed connection and out of CLI output.

The embedded PostgreSQL test server trusts local connections, so a wrong password cannot be provoked
against it; failed connections use unreachable hosts (port 1) with a password in the URL instead, and the
working-connection cases put a password in the URL that the server ignores.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from mastra_data import MastraDataError, Storage
from mastra_data.cli import app
from mastra_data.settings import StorageSettings, redact_url

PASSWORD = "s3cr3t-pw"
TOKEN = "tok-s3cr3t-9f7"
SECRETS = (PASSWORD, TOKEN)

UNREACHABLE = (
    pytest.param(f"postgresql://u:{PASSWORD}@127.0.0.1:1/x", {}, id="pg-password"),
    pytest.param(f"postgres://u@127.0.0.1:1/x?password={PASSWORD}", {}, id="pg-password-query"),
    pytest.param("libsql://127.0.0.1:1", {"auth_token": TOKEN}, id="libsql-auth-token"),
    pytest.param(f"libsql://127.0.0.1:1?authToken={TOKEN}", {}, id="libsql-token-query"),
)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def exception_text(exc: BaseException) -> str:
    """Everything an error shows: message, repr, details, Mastra JSON, and the whole cause chain."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    if isinstance(exc, MastraDataError):
        parts += [exc.message, repr(exc.details), repr(exc.to_dict())]
    return "\n".join(parts)


def with_password(url: str) -> str:
    """The URL with :data:`PASSWORD` as its password (the trusting test server ignores it)."""
    parsed = make_url(url)
    return parsed.set(password=PASSWORD).render_as_string(hide_password=False)


# --- repr / str -----------------------------------------------------------------------------------


def test_settings_and_storage_repr_hide_every_secret() -> None:
    settings = StorageSettings(
        url=f"postgresql://app:{PASSWORD}@db.example.com:5432/mastra",
        memory_url=f"postgres://mem:{PASSWORD}@db.example.com/mem?sslmode=require",
        vector_url=f"libsql://vectors.example.turso.io?authToken={TOKEN}",
        auth_token=TOKEN,
    )
    storage = Storage(settings)
    texts = [repr(settings), str(settings), f"{settings}", repr(storage), str(storage)]
    for text in texts:
        assert_clean(text)
    # The non-secret parts are still shown, so the repr stays useful.
    assert "db.example.com" in repr(settings)
    assert "vectors.example.turso.io" in repr(storage)
    # The secret values are still there for the driver.
    assert settings.auth_token is not None
    assert settings.auth_token.get_secret_value() == TOKEN
    assert PASSWORD in make_url(settings.url).password  # type: ignore[operator]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"postgresql+psycopg://u:{PASSWORD}@h:5/db", "postgresql+psycopg://u:***@h:5/db"),
        (
            f"sqlite+libsql://db.turso.io?authToken={TOKEN}&secure=true",
            "sqlite+libsql://db.turso.io?authToken=***&secure=true",
        ),
        (
            f"postgresql+psycopg://u@h/db?sslmode=require&password={PASSWORD}",
            "postgresql+psycopg://u@h/db?password=***&sslmode=require",  # SQLAlchemy sorts the query
        ),
        ("sqlite+libsql:///./mastra.db", "sqlite+libsql:///./mastra.db"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


# --- logs -----------------------------------------------------------------------------------------


@pytest.fixture
def secret_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    """A working database URL carrying a secret: PG with a password, libSQL with an auth token."""
    if backend == "libsql":
        return f"sqlite+libsql:///{tmp_path / 'mastra.db'}", {"auth_token": TOKEN}
    return with_password(request.getfixturevalue("make_pg_database")()), {}


def test_debug_logs_and_echo_hide_secrets(
    secret_url: tuple[str, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    url, extra = secret_url
    caplog.set_level(logging.DEBUG)
    with Storage.from_url(url, echo=True, **extra) as storage:
        storage.migrate()
        memory = storage.memory
        memory.save_thread({"id": "t1", "resource_id": "r1", "title": "hello"})
        memory.save_messages(
            [{"id": "m1", "thread_id": "t1", "resource_id": "r1", "role": "user", "content": "hi"}]
        )
        assert memory.get_thread_by_id("t1") is not None
        assert memory.list_messages("t1").total == 1
        storage.vectors.create_index("idx", 3)
        storage.vectors.upsert("idx", [[1.0, 0.0, 0.0]], ids=["v1"])
        assert storage.vectors.query("idx", [1.0, 0.0, 0.0], top_k=1)[0].id == "v1"
        with pytest.raises(MastraDataError):
            memory.save_thread({"id": "", "resource_id": "r1"})
        logging.getLogger("probe").debug("storage is %r", storage)
    records = caplog.records
    assert any(r.name.startswith("sqlalchemy.engine") for r in records), "echo was not captured"
    for record in records:
        assert_clean(record.getMessage())
        assert_clean(repr(record.args))
    captured = capfd.readouterr()
    assert_clean(captured.out + captured.err)


# --- failed connections ---------------------------------------------------------------------------


OPERATIONS: dict[str, Callable[[Storage], object]] = {
    "migrate": lambda s: s.migrate(),
    "get_thread_by_id": lambda s: s.memory.get_thread_by_id("t1"),
    "save_messages": lambda s: s.memory.save_messages(
        [{"id": "m1", "thread_id": "t1", "resource_id": "r1", "role": "user", "content": "x"}]
    ),
    "list_indexes": lambda s: s.vectors.list_indexes(),
}


@pytest.mark.parametrize(("url", "extra"), UNREACHABLE)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_failed_connection_errors_hide_secrets(
    url: str, extra: dict[str, str], operation: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Storage.from_url(url, **extra) as storage:
        with pytest.raises(MastraDataError) as info:
            OPERATIONS[operation](storage)
        assert_clean(repr(storage))
    assert_clean(exception_text(info.value))
    for record in caplog.records:
        assert_clean(record.getMessage())


@pytest.mark.parametrize(
    "url",
    [f"postgresql://u:{PASSWORD}@h:notaport/db", f"mysql://u:{PASSWORD}@h/db", f"oracle://u:{PASSWORD}@h/"],
)
def test_invalid_url_errors_hide_secrets(url: str) -> None:
    with pytest.raises(MastraDataError) as info:
        Storage.from_url(url).engine_for("memory")
    assert_clean(exception_text(info.value))


# --- CLI ------------------------------------------------------------------------------------------

CLI_UNREACHABLE = [
    f"postgresql://u:{PASSWORD}@127.0.0.1:1/x",
    f"libsql://127.0.0.1:1?authToken={TOKEN}",
    f"postgresql://u:{PASSWORD}@h:notaport/db",
]


@pytest.mark.parametrize("url", CLI_UNREACHABLE)
@pytest.mark.parametrize("command", ["check", "stats", "migrate"])
def test_cli_failure_output_hides_secrets(command: str, url: str) -> None:
    result = CliRunner().invoke(app, [command, "--url", url])
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback
    assert "error MASTRA_" in result.output
    assert_clean(result.output)


def test_cli_success_output_hides_secrets(make_pg_database: Callable[[], str]) -> None:
    url = with_password(make_pg_database())
    runner = CliRunner()
    for command in ("migrate", "check", "stats"):
        result = runner.invoke(app, [command, "--url", url])
        assert result.exit_code == 0, result.output
        assert_clean(result.output)
    env_result = runner.invoke(app, ["check"], env={"MASTRA_DATA_URL": url})
    assert env_result.exit_code == 0, env_result.output
    assert_clean(env_result.output)


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "mastra-data"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mastra_data.cli"]


@pytest.mark.parametrize("command", ["check", "stats"])
def test_cli_subprocess_hides_secrets(command: str, make_pg_database: Callable[[], str]) -> None:
    good = with_password(make_pg_database())
    env = {**os.environ, "COLUMNS": "200"}
    subprocess.run([*_cli(), "migrate", "--url", good], env=env, capture_output=True, check=True, timeout=120)
    runs = [
        ([command, "--url", good], env, 0),
        ([command], {**env, "MASTRA_DATA_URL": good}, 0),
        ([command, "--url", f"postgresql://u:{PASSWORD}@127.0.0.1:1/x"], env, 1),
        ([command], {**env, "MASTRA_DATA_URL": f"libsql://127.0.0.1:1?authToken={TOKEN}"}, 1),
    ]
    for args, run_env, code in runs:
        done = subprocess.run([*_cli(), *args], env=run_env, capture_output=True, text=True, timeout=120)
        assert done.returncode == code, done.stderr
        assert_clean(done.stdout + done.stderr)


def test_libsql_url_token_is_kept_out_of_the_engine() -> None:
    """A Turso token in the URL goes to the driver's auth_token argument, not the engine's URL/repr."""
    with Storage.from_url(f"libsql://db.example.turso.io?authToken={TOKEN}") as storage:
        engine = storage.engine_for("memory")  # no connection is made until first use
        for text in (repr(engine), str(engine.url), engine.url.render_as_string(hide_password=False)):
            assert TOKEN not in text
        assert "db.example.turso.io" in str(engine.url)
