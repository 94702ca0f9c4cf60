"""The answerer against 278 labelled questions written as residents write (tests/data/questions.yaml)."""

from datetime import date
from pathlib import Path

import pytest

from bot.languages import LANGUAGES
from bot.quality import evaluate, load_questions

QUESTIONS = Path(__file__).parent / "data" / "questions.yaml"
MONDAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def report(shipped_content):  # noqa: ANN001, ANN201
    return evaluate(shipped_content.current.answerer, load_questions(QUESTIONS), MONDAY)


def test_the_labelled_set_covers_every_language_and_unanswerable_questions() -> None:
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 200
    for code in LANGUAGES:
        mine = [q for q in questions if q.language == code]
        assert len(mine) >= 20, code
    assert sum(q.expect == "none" for q in questions) >= 30


def test_top_1_accuracy_is_at_least_90_percent_overall(report) -> None:  # noqa: ANN001
    assert report.accuracy >= 0.90, "\n".join(report.misses)


@pytest.mark.parametrize("code", LANGUAGES)
def test_top_1_accuracy_is_at_least_80_percent_in_every_language(report, code) -> None:  # noqa: ANN001
    assert report.language_accuracy(code) >= 0.80, [m for m in report.misses if m.startswith(f"[{code}]")]


def test_at_most_3_percent_of_answers_are_confident_and_wrong(report) -> None:  # noqa: ANN001
    assert report.confident_wrong_rate <= 0.03, "\n".join(report.misses)


@pytest.mark.parametrize("vague", ["hjälp", "help", "caawimaad"])
def test_a_single_everyday_word_gets_suggestions_not_a_guess(shipped_content, vague) -> None:  # noqa: ANN001
    assert not shipped_content.current.answerer.answer(vague, "sv", MONDAY).confident
