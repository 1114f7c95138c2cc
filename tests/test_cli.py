"""The mastra-data command: migrate (also offline SQL) and check, in-process and as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from mastra_data.cli import app
from mastra_data.db import migrations
from mastra_data.db.engine import create_engine

runner = CliRunner()


def test_migrate_then_check(db_url: str) -> None:
    result = runner.invoke(app, ["migrate", "--url", db_url])
    assert result.exit_code == 0, result.output
    assert migrations.head_revision() in result.output
    assert "***" in result.output or "@" not in db_url.split("//")[1].split("/")[0] or ":@" in db_url
    result = runner.invoke(app, ["check", "--url", db_url])
    assert result.exit_code == 0, result.output
    assert "no drift" in result.output


def test_check_fails_on_drift(db_url: str) -> None:
    assert runner.invoke(app, ["migrate", "--url", db_url]).exit_code == 0
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX mastra_threads_resourceid_createdat_idx"))
    engine.dispose()
    result = runner.invoke(app, ["check", "--url", db_url])
    assert result.exit_code == 1
    assert "add_index mastra_threads.mastra_threads_resourceid_createdat_idx" in result.output


def test_offline_sql_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "never.db"
    result = runner.invoke(app, ["migrate", "--sql", "--url", f"file:{target}"])
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE IF NOT EXISTS mastra_messages" in result.output
    assert not target.exists()


def test_bad_urls_exit_non_zero_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["migrate", "--url", "mysql://root@h/db"])
    assert result.exit_code == 2
    assert "Unsupported database URL scheme 'mysql'" in result.output
    result = runner.invoke(app, ["migrate", "--url", f"file:{tmp_path / 'missing' / 'x.db'}"])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_console_script_runs_as_a_subprocess(tmp_path: Path) -> None:
    exe = shutil.which("mastra-data") or ""
    cmd = [exe] if exe else [sys.executable, "-m", "mastra_data.cli"]
    result = subprocess.run(
        [*cmd, "migrate", "--url", f"file:{tmp_path / 'sub.db'}"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "sub.db").exists()


def test_migrate_from_a_built_wheel_outside_the_repo(tmp_path: Path) -> None:
    """The wheel ships the migration scripts: migrate and check work with no repo checkout around."""
    repo = Path(__file__).resolve().parent.parent
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("mastra_data-*.whl")
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    script = (
        "import mastra_data, sys\n"
        "from mastra_data.db.migrations import script_location\n"
        "assert str(script_location()).startswith(sys.argv[1]), script_location()\n"
        "from mastra_data.cli import app\n"
        "app(['migrate', '--url', 'file:./w.db'], standalone_mode=False)\n"
        "app(['check', '--url', 'file:./w.db'], standalone_mode=False)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "no drift" in run.stderr + run.stdout
    assert (work / "w.db").exists()


def test_every_operations_command_is_registered() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("migrate", "check", "stats", "prune", "demo", "copy"):
        assert command in result.output
    assert runner.invoke(app, ["copy", "--help"]).exit_code == 0
