"""The code's rules are mechanical: `make test` runs import-linter and mypy, and each contract
fails on a violation planted in a copy of the tree (the real tree is never touched)."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text())
CONTRACTS = CONFIG["tool"]["importlinter"]["contracts"]
PROTECTED = [c for c in CONTRACTS if c["type"] == "protected"]


def _tree_copy(tmp_path: Path) -> Path:
    """The package's Python sources and the project config, in a scratch directory."""
    shutil.copytree(
        REPO / "kazan",
        tmp_path / "kazan",
        ignore=shutil.ignore_patterns(
            "__pycache__", "locale", "static", "templates", "*.mo", "*.po", "*.png"
        ),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(root: Path, module: str, source: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + "\n" + source + "\n" if path.exists() else source + "\n")


def _run(tool: str, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "MYPY_CACHE_DIR": str(root / ".mypy_cache")}
    return subprocess.run(  # noqa: S603 (our own virtualenv's tools on our own copy)
        [str(BIN / tool), *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )


def test_every_app_with_tables_has_its_tables_protected():
    modules = [
        *(REPO / "kazan").glob("*/models.py"),
        *(REPO / "kazan").glob("*/models/__init__.py"),
    ]
    apps = {p.parent.name if p.name == "models.py" else p.parent.parent.name for p in modules}
    apps -= {"core"}
    protected = {c["protected_modules"][0].split(".")[1] for c in PROTECTED}
    assert apps == protected


def test_each_import_contract_catches_a_planted_violation(tmp_path):
    root = _tree_copy(tmp_path)
    # A low app reaching up to a high one (a cycle between apps).
    _plant(root, "kazan.core.planted_upward", "import kazan.demo")
    # A query module reaching up to its own app's use-cases.
    _plant(root, "kazan.loyalty.queries", "import kazan.loyalty.services  # noqa")
    # Every app's tables read from an app that does not own them (core is below them all, so
    # the planting module sits in demo's sibling console instead, which is not an allowed reader).
    for contract in PROTECTED:
        owner = contract["protected_modules"][0]
        reader = "kazan.console" if owner != "kazan.console.models" else "kazan.inbox"
        _plant(root, f"{reader}.planted_reads", f"import {owner}")

    result = _run("lint-imports", root, "--no-cache")

    assert result.returncode != 0
    report = result.stdout
    assert "kazan.core is not allowed to import kazan.demo" in report
    assert "kazan.loyalty.queries is not allowed to import kazan.loyalty.services" in report
    for contract in PROTECTED:
        owner = contract["protected_modules"][0]
        assert "".join(f"{contract['name']} BROKEN".split()) in "".join(report.split())
        assert f"planted_reads -> {owner}" in report


def test_the_real_tree_keeps_every_import_contract(tmp_path):
    result = _run("lint-imports", _tree_copy(tmp_path), "--no-cache")
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.timeout(900)
def test_mypy_is_strict_on_services_and_catches_a_planted_error(tmp_path):
    root = _tree_copy(tmp_path)
    clean = _run("mypy", root)
    assert clean.returncode == 0, clean.stdout[-3000:]

    # Strict where the rules live: an unannotated use-case is an error...
    _plant(root, "kazan.loyalty.queries", "def planted_untyped(business):\n    return business")
    # ...and everywhere a plain type error is one.
    _plant(root, "kazan.loyalty.views", 'planted_wrong: int = "not a number"')
    planted = _run("mypy", root)

    assert planted.returncode != 0
    assert "kazan/loyalty/queries.py" in planted.stdout
    assert "no-untyped-def" in planted.stdout
    assert "kazan/loyalty/views.py" in planted.stdout
    assert "assignment" in planted.stdout
