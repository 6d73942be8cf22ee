"""How the faq app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, number
from kazan.faq.models import Faq, FaqQuestion, FaqSynonym


@activity_target("faq.faq")
def _faqs(ids, viewer):
    """ "the FAQ “Do you have oat milk?”": the question is the business's own text."""
    rows = Faq.objects.filter(pk__in=ids).values_list("pk", "question")
    return {pk: _("the FAQ “%(question)s”") % {"question": question} for pk, question in rows}


@activity_target("faq.faqsynonym")
def _synonyms(ids, viewer):
    rows = FaqSynonym.objects.filter(pk__in=ids).values_list("pk", "phrases")
    return {pk: _("the synonyms %(phrases)s") % {"phrases": " = ".join(p)} for pk, p in rows}


@activity_target("faq.faqquestion")
def _questions(ids, viewer):
    rows = FaqQuestion.objects.filter(pk__in=ids).values_list("pk", "text")
    return {pk: _("the question “%(text)s”") % {"text": text} for pk, text in rows}


activity_type("faq.created", label=t("FAQ added"), sentence=t("%(actor)s added %(target)s"))
activity_type("faq.updated", label=t("FAQ changed"), sentence=t("%(actor)s changed %(target)s"))
activity_type(
    "faq.activated", label=t("FAQ switched on"), sentence=t("%(actor)s switched on %(target)s")
)
activity_type(
    "faq.deactivated",
    label=t("FAQ switched off"),
    sentence=t("%(actor)s switched off %(target)s"),
)
activity_type("faq.deleted", label=t("FAQ deleted"), sentence=t("%(actor)s deleted an FAQ"))
activity_type(
    "faq.imported",
    label=t("FAQs imported"),
    sentence=t("%(actor)s imported FAQs: %(created)s new, %(updated)s changed"),
    details={"created": Detail(t("New"), number), "updated": Detail(t("Changed"), number)},
)
activity_type(
    "faq.synonyms_created",
    label=t("Synonyms added"),
    sentence=t("%(actor)s added %(target)s"),
)
activity_type(
    "faq.synonyms_updated",
    label=t("Synonyms changed"),
    sentence=t("%(actor)s changed %(target)s"),
)
activity_type(
    "faq.synonyms_deleted",
    label=t("Synonyms deleted"),
    sentence=t("%(actor)s deleted synonyms"),
)
activity_type(
    "faq.question_added",
    label=t("Question added as FAQ"),
    sentence=t("%(actor)s answered %(target)s with an FAQ"),
)
activity_type(
    "faq.question_dismissed",
    label=t("Question dismissed"),
    sentence=t("%(actor)s dismissed %(target)s"),
)
