"""Dashboard forms of the FAQ pages: parse and check shapes only; the rules live in services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.faq.models import ANSWER_MAX, CATEGORY_MAX, QUESTION_MAX


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class FaqForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=QUESTION_MAX)
    alternatives = forms.CharField(
        label=_("Other ways to ask it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. The more ways guests may ask, the better the bot finds it."),
    )
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "**bold**, *italic*, lines starting with - make a list, "
            "[link text](https://example.com) makes a link."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    category = forms.CharField(label=_("Category"), max_length=CATEGORY_MAX, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "question": data["question"],
            "alternatives": _lines(data["alternatives"]),
            "answer": data["answer"],
            "language": data["language"],
            "category": data["category"],
            "is_active": data["is_active"],
        }

    @classmethod
    def initial_of(cls, faq) -> dict:
        return {
            "question": faq.question,
            "alternatives": "\n".join(faq.alternatives),
            "answer": faq.answer,
            "language": faq.language,
            "category": faq.category,
            "is_active": faq.is_active,
        }


class FaqFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.CharField(label=_("Category"), required=False, max_length=CATEGORY_MAX)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *settings.LANGUAGES]
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))],
    )

    def query_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"],
            "category": data["category"],
            "language": data["language"],
            "active": {"1": True, "0": False}.get(data["active"]),
        }


class SynonymForm(forms.Form):
    phrases = forms.CharField(
        label=_("Phrases that mean the same"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. “flat white” and “coffee with milk”."),
    )

    def service_kwargs(self) -> dict:
        return {"phrases": _lines(self.cleaned_data["phrases"])}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "Columns: question, alternatives (separated by |), answer, language, category, "
            "active. Rows with a question that already exists update that FAQ."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class TryForm(forms.Form):
    q = forms.CharField(label=_("A guest asks"), max_length=1000)
    language = forms.ChoiceField(label=_("in"), choices=settings.LANGUAGES)
