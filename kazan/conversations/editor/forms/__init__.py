"""The flow editor's forms: `rows` (a flow as the editor's rows), `draft` (the editor form read
back from a post into a definition) and `settings_forms` (a new flow, a channel's binding, the
fallback settings)."""

from kazan.conversations.editor.forms.draft import DraftError, FlowDraft
from kazan.conversations.editor.forms.rows import (
    ACTION_LABELS,
    EDITABLE_TYPES,
    MAX_STEPS,
    StepRow,
    action_label,
    languages_for,
    new_row,
    rows_from_definition,
    step_order,
    step_type_labels,
    texts_from,
)
from kazan.conversations.editor.forms.settings_forms import (
    BindingForm,
    BotSettingsForm,
    FlowCreateForm,
)

__all__ = [
    "ACTION_LABELS",
    "EDITABLE_TYPES",
    "MAX_STEPS",
    "BindingForm",
    "BotSettingsForm",
    "DraftError",
    "FlowCreateForm",
    "FlowDraft",
    "StepRow",
    "action_label",
    "languages_for",
    "new_row",
    "rows_from_definition",
    "step_order",
    "step_type_labels",
    "texts_from",
]
