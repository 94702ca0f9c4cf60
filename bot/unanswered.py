"""Questions the bot could not answer: stored masked and unlinked, shown to staff in groups of similar ones."""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.masking import mask
from bot.textnorm import words
from db.models import UnansweredQuestion

SIMILAR = 0.4  # share of words (or letter triples, for typos) two questions must have in common to group


async def record(session: AsyncSession, text: str, language: str, now: datetime) -> None:
    # Masked before it touches the database, and only the day is kept: nothing leads back to the person.
    day = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    session.add(UnansweredQuestion(text=mask(text)[:1000], language=language, asked_on=day))


@dataclass
class Group:
    language: str
    questions: list[str]

    @property
    def example(self) -> str:
        return min(self.questions, key=len)


def _trigrams(text: str) -> set[str]:
    padded = f" {' '.join(words(text))} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _similar(a: tuple[set[str], set[str]], b: tuple[set[str], set[str]]) -> bool:
    def jaccard(x: set[str], y: set[str]) -> float:
        return len(x & y) / len(x | y) if x | y else 0.0

    return jaccard(a[0], b[0]) >= SIMILAR or jaccard(a[1], b[1]) >= SIMILAR + 0.1


def group(questions: list[tuple[str, str]]) -> list[Group]:
    """(text, language) pairs into groups of similar questions per language, the biggest groups first."""
    groups: list[tuple[Group, list[tuple[set[str], set[str]]]]] = []
    for text, language in questions:
        features = (set(words(text)), _trigrams(text))
        for existing, members in groups:
            if existing.language == language and any(_similar(features, member) for member in members):
                existing.questions.append(text)
                members.append(features)
                break
        else:
            groups.append((Group(language, [text]), [features]))
    return sorted((g for g, _ in groups), key=lambda g: (-len(g.questions), g.language))


async def grouped(session: AsyncSession, limit: int = 2000) -> list[Group]:
    rows = await session.execute(select(UnansweredQuestion.text, UnansweredQuestion.language)
                                 .order_by(UnansweredQuestion.asked_on.desc()).limit(limit))
    return group([(text, language) for text, language in rows.all()])
