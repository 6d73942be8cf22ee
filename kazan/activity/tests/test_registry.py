"""The activity registry: every type the code writes has a description, and rows read as
translated sentences for people (targets named as a person would, changes as old → new, values
localized, personal data masked)."""

import ast
import importlib
import itertools
from pathlib import Path

import kazan
from kazan.activity.registry import activity_types

ROOT = Path(kazan.__file__).parent


# --- every type the code writes is registered ---------------------------------------------------


class _Code:
    """The project's modules (tests and migrations left out), parsed once, with every function
    and every call indexed by name, to find out which types reach `activity_record(action=…)`:
    literals, `a if c else b`, local variables, parameters (followed to every call site and
    their defaults), f-strings over those, and constants such as `CampaignStatus.SENT`."""

    def __init__(self):
        self.calls: dict[str, list[tuple[str, ast.Call, ast.AST | None]]] = {}
        self.functions: dict[str, list[tuple[str, ast.FunctionDef]]] = {}
        self.records: list[tuple[str, ast.Call, ast.AST | None]] = []
        for path in sorted(ROOT.rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            module = ".".join(["kazan", *parts]).removesuffix(".py").removesuffix(".__init__")
            self._index(module, ast.parse(path.read_text(encoding="utf-8")))

    def _index(self, module: str, tree: ast.AST, function=None) -> None:
        for node in ast.iter_child_nodes(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, []).append((module, node))
                self._index(module, node, node)
                continue
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name:
                    self.calls.setdefault(name, []).append((module, node, function))
                    if name == "activity_record":
                        self.records.append((module, node, function))
            self._index(module, node, function)

    def values(self, expr, module: str, function, depth: int = 0) -> set[str]:
        where = f"{module}:{getattr(expr, 'lineno', '?')}"
        assert depth < 8, f"{where}: the activity type is passed along too far to follow"
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.values(expr.body, module, function, depth + 1) | self.values(
                expr.orelse, module, function, depth + 1
            )
        if isinstance(expr, ast.JoinedStr):
            pieces = [
                self.values(part.value, module, function, depth + 1)
                if isinstance(part, ast.FormattedValue)
                else {str(part.value)}
                for part in expr.values
            ]
            return {"".join(combo) for combo in itertools.product(*pieces)}
        if isinstance(expr, ast.Name) and function is not None:
            found = self._name(expr.id, module, function, depth)
            if found:
                return found
        if isinstance(expr, ast.Name | ast.Attribute):  # a constant of the module
            namespace = vars(importlib.import_module(module))
            return {format(eval(ast.unparse(expr), namespace))}  # noqa: S307 (our own source)
        raise AssertionError(f"{where}: cannot tell which activity type this writes")

    def _name(self, name: str, module: str, function, depth: int) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in node.targets
            ):
                found |= self.values(node.value, module, function, depth + 1)
        args = function.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        defaults = dict(zip(positional[::-1], args.defaults[::-1], strict=False))
        defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
        if name not in positional and name not in {a.arg for a in args.kwonlyargs}:
            return found
        if name in defaults:
            found |= self.values(defaults[name], module, function, depth + 1)
        for caller_module, call, caller in self.calls.get(function.name, []):
            for keyword in call.keywords:
                if keyword.arg == name:
                    found |= self.values(keyword.value, caller_module, caller, depth + 1)
            if name in positional and positional.index(name) < len(call.args):
                argument = call.args[positional.index(name)]
                found |= self.values(argument, caller_module, caller, depth + 1)
        return found

    def written_types(self) -> dict[str, str]:
        """type → where it is written."""
        written = {}
        for module, call, function in self.records:
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            assert action is not None, f"{module}:{call.lineno}: activity_record without action"
            for value in self.values(action, module, function):
                written.setdefault(value, f"{module}:{call.lineno}")
        return written


def test_every_type_the_code_writes_has_a_description():
    # Given every activity type any service passes to activity_record
    written = _Code().written_types()
    # (the collector follows variables, parameters and f-strings to their values)
    assert {"otp.sent", "business.settings_edited", "sms_credits.adjusted"} <= set(written)
    assert {"campaign.sent", "campaign.stopped", "payment.cancelled"} <= set(written)

    # Then each has a registered description
    missing = {action: where for action, where in written.items() if action not in activity_types()}
    assert not missing, f"describe these in <app>/activity_types.py: {missing}"
    # and nothing is described that the code no longer writes
    assert not set(activity_types()) - set(written)
