"""How the webforms app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice
from kazan.webforms.models import FormMode, FormSubmission


@activity_target("webforms.formsubmission")
def _submissions(ids, viewer):
    return {pk: _("form submission #%(number)s") % {"number": pk} for pk in ids}


CHANNEL = Detail(t("Channel"), choice(FormSubmission.Channel.choices))

activity_type(
    "form.submitted",
    label=t("Contact form sent"),
    sentence=t("A visitor sent %(target)s via %(channel)s"),
    details={"channel": CHANNEL, "consent": Detail(t("Consent given"))},
)
activity_type(
    "form.settings_updated",
    label=t("Contact form changed"),
    sentence=t("%(actor)s changed the contact form"),
    details={
        "mode": Detail(t("Form"), choice(FormMode.choices)),
        "notify": Detail(t("Email notification")),
    },
)
activity_type(
    "form.handled",
    label=t("Form submission handled"),
    sentence=t("%(actor)s marked %(target)s as handled"),
)
activity_type(
    "form.reopened",
    label=t("Form submission reopened"),
    sentence=t("%(actor)s reopened %(target)s"),
)
activity_type(
    "form.deleted",
    label=t("Form submission deleted"),
    sentence=t("%(actor)s deleted form submission #%(submission)s"),
    details={"channel": CHANNEL},
)
