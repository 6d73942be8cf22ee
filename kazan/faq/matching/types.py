"""The matcher's plain data."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ as the matcher sees it: its id, language and every phrasing of its question."""

    id: str
    language: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Synonym:
    """Phrases a business treats as one ("flat white" = "coffee with milk")."""

    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    faq_id: str
    confidence: float


@dataclass(frozen=True)
class MatchResult:
    faq_id: str | None
    confidence: float
    suggestions: tuple[Match, ...] = field(default_factory=tuple)

    @property
    def abstained(self) -> bool:
        return self.faq_id is None
