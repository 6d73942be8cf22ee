"""Error codes are enum members (each app's error_codes.py), never free strings: API clients,
pages and flows match on them, so a typo must be impossible rather than unnoticed."""

import ast
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps

from kazan.core.errors import ErrorCode, KazanError, NotFound

ROOT = Path(__file__).resolve().parents[2]


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _error_code_modules() -> list[str]:
    names = []
    for config in apps.get_app_configs():
        if config.name.startswith("kazan.") and (Path(config.path) / "error_codes.py").exists():
            names.append(f"{config.name}.error_codes")
    return names


def test_every_app_that_raises_domain_errors_has_its_enum():
    modules = _error_code_modules()
    assert len(modules) >= 10
    for name in modules:
        module = importlib.import_module(name)
        enums = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, ErrorCode) and value is not ErrorCode
        ]
        assert enums, name
        for enum in enums:
            for member in enum:
                assert member.value == member.value.lower().strip(), member
                assert " " not in member.value, member


def test_every_error_class_declares_an_enum_member():
    for module in _error_code_modules():
        importlib.import_module(module)
    for cls in {KazanError, *_subclasses(KazanError)}:
        assert isinstance(cls.code, ErrorCode), cls


def test_no_domain_error_is_raised_with_a_string_code():
    error_names = {cls.__name__ for cls in {KazanError, *_subclasses(KazanError)}}
    offenders = []
    for path in ROOT.rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in error_names:
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_a_code_is_its_string_in_comparisons_and_in_the_api_body():
    from kazan.core.middleware import error_body
    from kazan.loyalty.error_codes import LoyaltyErrorCode

    member = next(iter(LoyaltyErrorCode))
    error = NotFound(code=member)
    assert error.code == member.value
    assert error_body(404, code=error.code)["code"] == member.value
    assert json.loads(json.dumps(error_body(404, code=error.code)))["code"] == member.value


@pytest.mark.parametrize("code", ["", None])
def test_without_a_code_the_class_default_is_kept(code):
    assert NotFound(code=code).code == NotFound.code
