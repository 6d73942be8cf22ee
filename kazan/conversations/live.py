"""Live updates of conversations (issue 10's contract between the engine and the team inbox).

`conversation_changed` is called after every change a team member or the customer should see
at once (a new message, an assignment, a status); the inbox turns it into server-sent events.
"""


def conversation_changed(*, business_id: int, conversation_id: int, kind: str) -> None:
    """Announce a change once the current transaction commits. Kinds: "message", "status",
    "assignment", "note"."""
