from django import template

from kazan.activity.registry import ActivityLine, Viewer, activity_describe, activity_type_label

register = template.Library()


@register.simple_tag
def activity_lines(entries, *, staff: bool = False) -> list[ActivityLine]:
    """`{% activity_lines entries staff=True as lines %}`: the entries as sentences, described
    in bulk (one query per kind of target on the page, none per row)."""
    return activity_describe(entries, viewer=Viewer(staff=staff))


@register.filter
def activity_label(action: str) -> str:
    """A type's translated name, for type filters."""
    return activity_type_label(action)
