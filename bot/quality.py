"""Measures the question answerer against labelled questions: accuracy per language, confident-wrong rate."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from bot.answers import Answer, Answerer

NOT_ANSWERABLE = "none"


@dataclass(frozen=True)
class LabelledQuestion:
    text: str
    language: str
    expect: str  # "faq:<id>", "service:<id>", "category:<id>" or "none"


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    confident_wrong: int = 0
    by_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    language_right: int = 0
    answered_right: int = 0  # answered confidently and rightly (not merely suggested)
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def confident_wrong_rate(self) -> float:
        return self.confident_wrong / self.total if self.total else 0.0

    def language_accuracy(self, code: str) -> float:
        right, seen = self.by_language[code]
        return right / seen if seen else 0.0


def load_questions(path: Path) -> list[LabelledQuestion]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [LabelledQuestion(item["q"], item["lang"], item["expect"]) for item in raw]


def is_right(answer: Answer, expect: str, answerer: Answerer) -> bool:
    """Top-1: the answer (or, when unsure, its first suggestion) is the labelled one.

    A question labelled "none" is right only when the bot does not answer it confidently.
    A question labelled "category:<id>" is right when the top item is a service of that category.
    """
    if expect == NOT_ANSWERABLE:
        return not answer.confident
    if expect.startswith("category:"):
        top = answer.top_key or ""
        service = answerer.services.get(top.removeprefix("service:")) if top.startswith("service:") else None
        return service is not None and service.category == expect.removeprefix("category:")
    return answer.top_key == expect


def is_confidently_wrong(answer: Answer, expect: str, answerer: Answerer) -> bool:
    return answer.confident and not is_right(answer, expect, answerer)


def evaluate(answerer: Answerer, questions: list[LabelledQuestion], today: date, user_language: str = "sv") -> Report:
    report = Report()
    for item in questions:
        answer = answerer.answer(item.text, user_language, today)
        right = is_right(answer, item.expect, answerer)
        report.total += 1
        report.correct += right
        report.by_language[item.language][0] += right
        report.by_language[item.language][1] += 1
        report.language_right += answer.language == item.language
        report.answered_right += right and answer.confident and item.expect != NOT_ANSWERABLE
        if is_confidently_wrong(answer, item.expect, answerer):
            report.confident_wrong += 1
        if not right:
            report.misses.append(f"[{item.language}] {item.text!r}: expected {item.expect}, got "
                                 f"{answer.kind} {answer.top_key}")
    return report
