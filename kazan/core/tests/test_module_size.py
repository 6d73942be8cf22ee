"""Modules stay small enough to read in one sitting: a long one is split by use-case."""

from pathlib import Path

LIMIT = 500
ROOT = Path(__file__).resolve().parents[3]  # the project: the app and its benchmarks


def test_no_module_outside_migrations_and_tests_is_longer_than_the_limit():
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in ("kazan", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if not {"migrations", "tests"} & set(path.parts)
        and (lines := len(path.read_text().splitlines())) > LIMIT
    }
    assert long == {}
