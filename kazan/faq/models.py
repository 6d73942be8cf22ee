"""Tables of the faq app: a business's FAQs and synonyms, its FAQ limit, and the log of the
questions visitors asked (scrubbed of emails and phone numbers before they are stored)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

QUESTION_MAX = 300
ANSWER_MAX = 5000
CATEGORY_MAX = 80
ASKED_MAX = 500


class Faq(models.Model):
    """One question with its other phrasings and its answer (a small Markdown subset: **bold**,
    *italic*, lists, [links](https://…); rendered to sanitized HTML by kazan.faq.richtext)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("question"), max_length=QUESTION_MAX)
    alternatives = models.JSONField(_("other phrasings"), default=list, blank=True)
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    category = models.CharField(_("category"), max_length=CATEGORY_MAX, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "language", "question"], name="faq_unique_question"
            )
        ]
        indexes = [models.Index(fields=["business", "is_active"], name="faq_business_active")]

    def __str__(self) -> str:
        return self.question

    @property
    def questions(self) -> tuple[str, ...]:
        """Every phrasing the matcher knows this FAQ by."""
        return (self.question, *self.alternatives)


class FaqSynonym(models.Model):
    """Phrases the business treats as one ("flat white" = "coffee with milk")."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="faq_synonyms"
    )
    phrases = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return " = ".join(self.phrases)


class FaqQuestion(models.Model):
    """A question a visitor asked and how the bot answered it. No personal data: emails and
    phone numbers are masked before the row is written."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        SUGGESTED = "suggested", _("Suggestions offered")
        UNANSWERED = "unanswered", _("Unanswered")

    class Resolution(models.TextChoices):
        OPEN = "", _("Open")
        ADDED = "added", _("Added as FAQ")
        DISMISSED = "dismissed", _("Dismissed")

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="faq_questions"
    )
    text = models.CharField(max_length=ASKED_MAX)
    # The text folded (case, punctuation, spaces): the unanswered list groups repeats by it.
    key = models.CharField(max_length=ASKED_MAX)
    language = models.CharField(max_length=8, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    faq = models.ForeignKey(Faq, on_delete=models.SET_NULL, null=True, blank=True)
    confidence = models.FloatField(default=0.0)
    resolution = models.CharField(
        max_length=12, choices=Resolution.choices, default=Resolution.OPEN, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["business", "outcome", "resolution", "-created_at"],
                name="faq_question_open",
            ),
            models.Index(fields=["business", "key"], name="faq_question_key"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def resolved(self) -> bool:
        return self.resolution != self.Resolution.OPEN
