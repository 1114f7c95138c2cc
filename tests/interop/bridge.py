"""Python side of the Mastra interop bridge.

Tests use this module to run the REAL Mastra v1 storage packages
(``@mastra/libsql``, ``@mastra/pg``, pinned in ``tests/interop/node/package.json``)
against the same database that the Python ``mastra_data`` package reads and
writes.  ``run_mastra`` starts ``node tests/interop/node/bridge.mjs``, sends it
one JSON request (backend, URL, list of ops) on stdin and returns the per-op
results it prints on stdout.  See the header of ``bridge.mjs`` for the op
shapes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

NODE_DIR: Path = Path(__file__).resolve().parent / "node"
"""Folder holding ``package.json``, ``package-lock.json`` and ``bridge.mjs``."""

BRIDGE_SCRIPT: Path = NODE_DIR / "bridge.mjs"

_STAMP_NAME = ".mastra_data_install_stamp"
_installed_in_process = False


class MastraBridgeError(RuntimeError):
    """Raised when the Node bridge fails (an op threw, bad output, timeout, crash).

    Attributes:
        message: human-readable summary.
        error: the ``error`` object the bridge printed (``message``, ``id``,
            ``category``, ``domain``, ``details``, ``stack``, ``opIndex``, maybe
            ``cause``), or an empty dict when the bridge printed none.
        stderr: everything node wrote on stderr.
        results: results of the ops that completed before the failure.
    """

    def __init__(
        self,
        message: str,
        error: Mapping[str, Any] | None = None,
        stderr: str = "",
        results: Sequence[Any] | None = None,
    ) -> None:
        self.message = message
        self.error: dict[str, Any] = dict(error or {})
        self.stderr = stderr
        self.results: list[Any] = list(results or [])
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.error.get("id"):
            parts.append(f"[id={self.error['id']}]")
        if self.error.get("category"):
            parts.append(f"[category={self.error['category']}]")
        cause = self.error.get("cause")
        if isinstance(cause, Mapping) and cause.get("message"):
            parts.append(f"(cause: {cause['message']})")
        text = " ".join(parts)
        if self.stderr.strip():
            text += "\n--- node stderr ---\n" + self.stderr.strip()[-4000:]
        return text


def node_available() -> bool:
    """Return True when both ``node`` and ``npm`` are on PATH."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _manifest_digest() -> str:
    """Hash of package.json + package-lock.json: changes whenever the pins change."""
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        path = NODE_DIR / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.exists() else b"<missing>")
    return h.hexdigest()


def _lock_path() -> Path:
    """Lock file outside the tree (``npm ci`` wipes node_modules, so not in there)."""
    key = hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"mastra_data_npm_install_{key}.lock"


def ensure_node_modules() -> Path:
    """Install the pinned Mastra packages into ``tests/interop/node`` once.

    Runs ``npm ci`` when ``package-lock.json`` exists (reproducible install),
    else ``npm install``; both with ``--no-audit --no-fund``.  A stamp file in
    ``node_modules`` records the hash of package.json + package-lock.json, so
    later calls (and later test runs) are no-ops until the pins change.  An
    exclusive ``fcntl.flock`` on a lock file serialises parallel pytest
    workers: the first installs, the others wait and then see the stamp.

    Returns the ``node_modules`` path.  Raises ``MastraBridgeError`` when npm
    fails.
    """
    global _installed_in_process
    node_modules = NODE_DIR / "node_modules"
    stamp = node_modules / _STAMP_NAME
    if _installed_in_process:
        return node_modules

    with open(_lock_path(), "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            digest = _manifest_digest()
            if stamp.exists() and stamp.read_text().strip() == digest:
                _installed_in_process = True
                return node_modules
            has_lock = (NODE_DIR / "package-lock.json").exists()
            cmd = ["npm", "ci" if has_lock else "install", "--no-audit", "--no-fund"]
            proc = subprocess.run(
                cmd,
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if proc.returncode != 0:
                raise MastraBridgeError(
                    f"{' '.join(cmd)} failed with exit code {proc.returncode}",
                    {"stdout": proc.stdout[-4000:]},
                    proc.stderr,
                )
            # npm install may have rewritten the lockfile: hash after installing.
            stamp.write_text(_manifest_digest() + "\n")
            _installed_in_process = True
            return node_modules
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def run_mastra(
    backend: str,
    url: str,
    ops: list[dict[str, Any]],
    timeout: float = 120,
    *,
    store_options: Mapping[str, Any] | None = None,
    vector_options: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Any]:
    """Run ``ops`` through the real Mastra store for ``backend`` and return their results.

    Args:
        backend: ``"libsql"`` or ``"pg"``.
        url: ``file:/abs/path.db`` for libsql; a ``postgresql://`` connection
            string for pg (the embedded server's unix-socket form
            ``postgresql://postgres:@/postgres?host=/socket/dir`` works as is).
        ops: bridge ops (``init``, ``call``, ``vector``, ``sql``), see bridge.mjs.
        timeout: seconds before node is killed and ``MastraBridgeError`` raised.
        store_options: extra keys merged into the LibSQLStore/PostgresStore config
            (e.g. ``{"schemaName": "s1"}``).
        vector_options: extra keys merged into the LibSQLVector/PgVector config.
        env: environment overrides for node.  ``TZ`` defaults to ``UTC``: Mastra's
            pg store writes ``timestamp without time zone`` columns in node's
            local time zone, so it is pinned for reproducible rows.

    Returns:
        One JSON-decoded result per op (``None`` for ops that return nothing).
        Dates come back as ISO-8601 strings, binary values as ``{"$base64": ...}``.

    Raises:
        MastraBridgeError: an op failed (``.error`` has Mastra's error id and
            category, ``.results`` the results before it), node crashed, printed
            something that is not the expected JSON, or timed out.
    """
    ensure_node_modules()
    request: dict[str, Any] = {"backend": backend, "url": url, "ops": ops}
    if store_options:
        request["storeOptions"] = dict(store_options)
    if vector_options:
        request["vectorOptions"] = dict(vector_options)

    node = shutil.which("node") or "node"
    child_env = dict(os.environ)
    child_env["TZ"] = "UTC"
    child_env.update(env or {})
    try:
        proc = subprocess.run(
            [node, str(BRIDGE_SCRIPT)],
            cwd=NODE_DIR,
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise MastraBridgeError(f"Mastra bridge timed out after {timeout}s", {}, stderr) from exc

    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise MastraBridgeError(
            f"Mastra bridge exited with code {proc.returncode} and printed no valid JSON: "
            f"{proc.stdout[:2000]!r}",
            {},
            proc.stderr,
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise MastraBridgeError(
            f"Mastra bridge printed an unexpected document: {proc.stdout[:2000]!r}",
            {},
            proc.stderr,
        )
    results: list[Any] = doc["results"]
    error = doc.get("error")
    if error is not None or proc.returncode != 0:
        err: dict[str, Any] = error if isinstance(error, dict) else {}
        op_index = err.get("opIndex")
        where = f" in op #{op_index} {ops[op_index]!r}" if isinstance(op_index, int) else ""
        raise MastraBridgeError(
            f"Mastra bridge failed{where}: {err.get('message', f'exit code {proc.returncode}')}",
            err,
            proc.stderr,
            results,
        )
    return results
