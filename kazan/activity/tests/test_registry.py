"""The activity registry: every type the code writes has a description, and rows read as
translated sentences for people (targets named as a person would, changes as old → new, values
localized, personal data masked)."""

import ast
import importlib
import itertools
from pathlib import Path

import pytest
from django.utils import translation

import kazan
from kazan.activity.models import Activity
from kazan.activity.registry import Viewer, activity_describe, activity_types
from kazan.activity.services import activity_record

pytestmark = pytest.mark.django_db
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


# --- rows as sentences ------------------------------------------------------------------------

PHONE = "+4915112345678"


def _line(entry, *, staff=True):
    (line,) = activity_describe(
        [Activity.objects.select_related("actor").get(pk=entry.pk)], viewer=Viewer(staff=staff)
    )
    return line


def test_a_verification_code_reads_as_a_sentence_with_the_number_masked(business):
    from kazan.messaging.otp import otp_send
    from kazan.messaging.tests.factories import credits_given

    # Given a code sent to a customer's phone (the real service writes the entry)
    credits_given(business, 10)
    otp_send(business=business, phone_e164=PHONE, ip="203.0.113.7", language="en")
    entry = Activity.objects.get(action="otp.sent")

    # Then it reads as a sentence, the number masked, no code or raw type in sight
    line = _line(entry)
    assert line.label == "Verification code sent"
    assert line.sentence == "Verification code sent by SMS to +49••••678"
    assert PHONE not in line.text and "otp.sent" not in line.text


def test_a_terms_change_shows_who_old_to_new_and_why_in_the_readers_language(business, staff_user):
    from kazan.billing.services import subscription_terms_change

    # Given staff change a business's allowance and price, with a reason
    subscription_terms_change(
        business=business,
        sms_allowance=1200,
        price_minor=1250,
        reason="Loyal customer",
        actor=staff_user,
    )
    entry = Activity.objects.get(action="subscription.terms_changed")

    # Then staff read the change as "label: old → new", values localized, the reason quoted
    line = _line(entry)
    assert (
        line.sentence == f"Staff member {staff_user.name} changed the package terms: Loyal customer"
    )
    changes = [str(change) for change in line.changes]
    assert changes[0].startswith("SMS per month: ") and changes[0].endswith(" → 1,200")
    assert changes[1].startswith("Price per month: ") and changes[1].endswith(" → €12.50")
    assert "{" not in line.text and "'" not in line.text  # no Python repr of the data

    # and in German, with German labels and number formats
    with translation.override("de"):
        german = _line(entry)
    assert german.sentence.startswith(f"Mitarbeiter {staff_user.name} ")
    assert [str(change) for change in german.changes][1].endswith(" → 12,50\u00a0€")
    assert str(german.changes[0]).endswith(" → 1.200")

    # and the business's team sees that Kazan staff acted, not who
    assert _line(entry, staff=False).sentence.startswith("Kazan staff changed")


def test_targets_read_as_a_person_would(business, owner):
    from kazan.campaigns.models import Campaign
    from kazan.conversations.models import Conversation
    from kazan.customers.tests.factories import CustomerFactory

    anna = CustomerFactory(business=business, name="Anna")
    chat = Conversation.objects.create(business=business, channel="web", customer=anna)
    campaign = Campaign.objects.create(business=business, name="Summer offer", body="Hi")
    started = activity_record(
        business=business,
        actor=None,
        actor_kind="customer",
        action="conversation.started",
        target=chat,
        data={"channel": "web", "flow": "review"},
    )
    scheduled = activity_record(
        business=business,
        actor=owner,
        action="campaign.scheduled",
        target=campaign,
        data={"status": "scheduled", "recipients": 1500, "credits": 3000},
    )

    assert _line(started, staff=False).sentence == (
        "A customer started the conversation with Anna on Website"
    )
    line = _line(scheduled, staff=False)
    assert line.sentence == f"{owner.name} scheduled the campaign “Summer offer”"
    assert line.details == [("Recipients", "1,500"), ("SMS credits needed", "3,000")]


def test_an_unknown_type_still_reads_for_people(business, owner):
    entry = activity_record(
        business=business,
        actor=owner,
        action="garden.roses_watered",
        data={"litres": 12000, "beds": ["north", "south"], "ok": True},
    )
    line = _line(entry)
    assert line.label == "Garden roses watered"
    assert line.sentence == f"{owner.name}: Garden roses watered"
    assert line.details == [("Beds", "north, south"), ("Litres", "12,000"), ("Ok", "yes")]


def test_a_missing_target_and_an_erased_customer_leak_nothing(business, owner):
    from django.utils import timezone

    from kazan.customers.tests.factories import CustomerFactory

    gone = CustomerFactory(business=business, name="", erased_at=timezone.now())
    erased = activity_record(
        business=business,
        actor=owner,
        action="customer.erased",
        target=gone,
        data={"sections": ["profile"], "consents_withdrawn": 1},
    )
    assert _line(erased).sentence == f"{owner.name} erased the personal data of an erased customer"
    deleted = Activity.objects.create(
        business=business,
        action="campaign.cancelled",
        target_type="campaigns.campaign",
        target_id="999999",
    )
    assert _line(deleted).sentence == "A former team member cancelled an item that no longer exists"


def test_every_label_and_sentence_is_shipped_in_every_language(settings):
    """The activity log is read by owners and staff in their own language: each type's label
    and sentence has a translation in every language we ship (makemessages finds the `t(...)`
    marks through kazan.core's makemessages)."""
    untranslated = []
    for key, kind in activity_types().items():
        for text in (kind.label, kind.sentence):
            with translation.override("en"):
                english = str(text)
            for language, _name in settings.LANGUAGES:
                if language == "en":
                    continue
                with translation.override(language):
                    if str(text) == english:
                        untranslated.append((key, language, english))
    assert untranslated == []
