"""makemessages that also finds the activity registry's texts.

Each app's activity_types.py marks its labels and sentences with `t` (gettext_lazy under a short
name, kazan.activity.registry); xgettext knows only the usual names, so without this they were
never offered for translation and the activity log stayed English in every language."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t"]
