"""A Telegram user talking to the CRM bot, through `conversation_receive` on channel
"telegram" exactly as the Telegram webhook hands messages over: texts, commands, and button
presses (a callback's data arrives as the payload's "choice")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kazan.conversations import engine
from kazan.conversations.services import conversation_receive
from kazan.crm.services import crm_flow_ensure


@dataclass
class Dialog:
    business: Any
    handle: str = "100200300"
    username: str = ""
    language: str = "en"
    replies: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        crm_flow_ensure(business=self.business)

    def _send(self, inbound: engine.Inbound) -> list[dict]:
        received = conversation_receive(
            business=self.business,
            channel="telegram",
            handle=self.handle,
            inbound=inbound,
            language=self.language,
        )
        self.replies = received.replies
        self.conversation = received.conversation
        return self.replies

    def say(self, text: str) -> list[dict]:
        meta = {"username": self.username} if self.username else {}
        return self._send(engine.Inbound(text=text, meta=meta))

    def press(self, value: str) -> list[dict]:
        return self._send(engine.Inbound(payload={"choice": value}))

    @property
    def texts(self) -> list[str]:
        return [r["text"] for r in self.replies if r.get("type") in ("text", "error")]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def errors(self) -> list[str]:
        return [r["text"] for r in self.replies if r.get("type") == "error"]

    @property
    def buttons(self) -> list[str]:
        """The values of the buttons offered: a menu's choices, a question's commands."""
        values: list[str] = []
        for reply in self.replies:
            if reply.get("type") == "choices":
                values += [c["value"] for c in reply["choices"]]
            if reply.get("type") == "input":
                values += [c["value"] for c in reply["commands"]]
        return values

    def choices_reply(self) -> dict:
        return next(r for r in self.replies if r.get("type") == "choices")

    @property
    def step(self) -> str:
        self.conversation.refresh_from_db()
        return self.conversation.session.step if self.conversation.session else ""
