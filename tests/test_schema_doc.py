"""``docs/schema.md`` is up to date with the models and says true things about them."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa

from mastra_data.db.schema import CORE_TABLES, metadata_for
from mastra_data.memory.models import Thread

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "schema_doc.py"
DOC = ROOT / "docs" / "schema.md"

DIALECT_LABELS = {"sqlite": "libSQL", "postgresql": "PostgreSQL"}
ABSENT = "—"
NULLABLE = "nullable (libSQL / PG)"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schema_doc", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schema_doc() -> ModuleType:
    """``scripts/schema_doc.py`` loaded as a module (it is not part of a package)."""
    return _load_script()


@pytest.fixture(scope="module")
def rendered(schema_doc: ModuleType) -> str:
    render: Callable[[], str] = schema_doc.render
    return render()


def _sections(text: str) -> dict[str, str]:
    """``## <table>`` heading → the text up to the next such heading."""
    parts = re.split(r"^## (\S+)\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().strip("`").replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def _tables(section: str) -> list[list[dict[str, str]]]:
    """Every markdown table of a section, as rows keyed by the header cells."""
    tables: list[list[dict[str, str]]] = []
    block: list[str] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            header = _cells(block[0])
            tables.append([dict(zip(header, _cells(row), strict=True)) for row in block[2:]])
            block = []
    return tables


def _columns(section: str) -> dict[str, dict[str, str]]:
    """The section's columns table, keyed by column name."""
    return {row["column"]: row for row in _tables(section)[0]}


def test_committed_doc_is_up_to_date(rendered: str) -> None:
    committed = DOC.read_bytes().decode("utf-8") if DOC.exists() else ""
    assert rendered == committed, (
        "docs/schema.md is out of date with the models; run `python scripts/schema_doc.py` and commit it"
    )


def test_doc_lists_every_table_in_order(rendered: str) -> None:
    assert list(_sections(rendered)) == list(CORE_TABLES)
    assert rendered.endswith("\n")
    assert not rendered.endswith("\n\n")


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
def test_columns_match_each_dialects_metadata(rendered: str, dialect_name: str) -> None:
    label = DIALECT_LABELS[dialect_name]
    other = next(lbl for name, lbl in DIALECT_LABELS.items() if name != dialect_name)
    sections = _sections(rendered)
    metadata = metadata_for(dialect_name)
    position = 0 if dialect_name == "sqlite" else 1
    for table_name in CORE_TABLES:
        table = metadata.tables[table_name]
        rows = _columns(sections[table_name])
        for col in table.columns:
            assert col.name in rows, f"{table_name}.{col.name} missing from docs/schema.md"
            row = rows[col.name]
            assert row[f"{label} type"] != ABSENT, f"{table_name}.{col.name} shown as absent on {label}"
            nullable = row[NULLABLE].split(" / ")[position]
            assert nullable == ("yes" if col.nullable else "no"), f"{table_name}.{col.name} on {label}"
        for name, row in rows.items():
            if name not in table.columns:
                assert row[f"{label} type"] == ABSENT, f"{table_name}.{name} does not exist on {label}"
                assert row[f"{other} type"] != ABSENT
        for index in table.indexes:
            assert f"`{index.name}`" in sections[table_name], f"index {index.name} missing"


def test_known_facts_about_the_schema(rendered: str) -> None:
    sections = _sections(rendered)
    threads = _columns(sections["mastra_threads"])
    assert threads["createdAtZ"]["libSQL type"] == ABSENT
    assert threads["createdAtZ"]["PostgreSQL type"] == "TIMESTAMP WITH TIME ZONE"
    assert threads["createdAtZ"]["Python attribute"].startswith("(shadow")
    assert threads["createdAt"]["libSQL type"] == "TEXT"
    assert threads["createdAt"]["PostgreSQL type"] == "TIMESTAMP WITHOUT TIME ZONE"
    assert threads["metadata"]["PostgreSQL type"] == "JSONB"
    spans = _columns(sections["mastra_ai_spans"])
    assert (spans["isEvent"]["libSQL type"], spans["isEvent"]["PostgreSQL type"]) == ("INTEGER", "BOOLEAN")
    scores = _columns(sections["mastra_scorers"])
    assert (scores["score"]["libSQL type"], scores["score"]["PostgreSQL type"]) == (
        "REAL",
        "DOUBLE PRECISION",
    )
    # The attribute column comes from the mapper, not from the column name.
    attribute = Thread.resource_id.property  # type: ignore[attr-defined]
    assert isinstance(attribute.columns[0], sa.Column)
    assert threads[attribute.columns[0].name]["Python attribute"] == attribute.key == "resource_id"
    # Descending index keys survive into the rendered DDL.
    assert '("resourceId", "createdAt" DESC)' in sections["mastra_threads"]


def test_pg_only_and_libsql_only_indexes_are_labelled(rendered: str) -> None:
    section = _sections(rendered)["mastra_ai_spans"]
    indexes = {row["index"]: row for row in _tables(section)[-1]}
    names = {
        dialect: {ix.name for ix in metadata_for(dialect).tables["mastra_ai_spans"].indexes}
        for dialect in DIALECT_LABELS
    }
    for name, row in indexes.items():
        expected = [DIALECT_LABELS[d] for d in DIALECT_LABELS if name in names[d]]
        assert row["dialects"] == ", ".join(expected), name
    assert set(indexes) == names["sqlite"] | names["postgresql"]


def test_check_mode(schema_doc: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "schema.md"
    doc.write_text("stale\n", encoding="utf-8")
    assert schema_doc.main(["--check"], doc_path=doc) == 1
    assert doc.read_text(encoding="utf-8") == "stale\n"
    assert "python scripts/schema_doc.py" in capsys.readouterr().err
    assert schema_doc.main([], doc_path=doc) == 0
    assert schema_doc.main(["--check"], doc_path=doc) == 0
    assert doc.read_text(encoding="utf-8") == schema_doc.render()
