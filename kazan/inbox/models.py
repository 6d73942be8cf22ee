from django.db import models
from django.utils.translation import gettext_lazy as _

CANNED_TITLE_MAX = 80
CANNED_TEXT_MAX = 1000


class CannedResponse(models.Model):
    """A reply the team writes once and inserts into the reply box (opening hours, directions).
    Per business; inserted text is edited freely before sending."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="canned_responses"
    )
    title = models.CharField(_("title"), max_length=CANNED_TITLE_MAX)
    text = models.TextField(_("text"), max_length=CANNED_TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "title"], name="canned_response_title_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title
