"""Answer latency and quality of the free-text answerer, with today's content and with 20x synthetic content.

Run: .venv/bin/python bench/answer_latency.py   (prints a table; not part of the test run)
"""

import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answers import Answerer  # noqa: E402
from bot.answers import Area as SearchArea  # noqa: E402
from bot.answers import Category as SearchCategory  # noqa: E402
from bot.library import area_names, load_library  # noqa: E402
from bot.quality import evaluate, load_questions  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions.yaml"
ROUNDS = 5
WORDS = "lorem ipsum dolor amet consectetur adipiscing elit sed eiusmod tempor incididunt labore magna".split()


def synthetic(library, copies: int) -> Answerer:  # noqa: ANN001
    """The real entries plus copies whose texts carry random extra words, so the index is `copies` times larger."""
    rng = random.Random(7)
    services, faq = list(library.services.values()), list(library.faq.values())
    for n in range(1, copies):
        def tag(text: str, n: int = n) -> str:
            return f"{text} {rng.choice(WORDS)}{n} {rng.choice(WORDS)}"

        for s in library.services.values():
            services.append(s.model_copy(update={
                "id": f"{s.id[:30]}-x{n}", "name": {k: tag(v) for k, v in s.name.items()},
                "keywords": {k: [tag(w) for w in v] for k, v in s.keywords.items()}}))
        for f in library.faq.values():
            faq.append(f.model_copy(update={
                "id": f"{f.id[:30]}-x{n}", "answers_for": [],
                "questions": {k: [tag(q) for q in v] for k, v in f.questions.items()}}))
    content = library.content
    categories = [SearchCategory(c.id, dict(c.name), dict(c.keywords)) for c in content.categories]
    areas = [SearchArea(a.id, area_names(a)) for a in content.areas]
    return Answerer(services, faq, categories, areas)


def latencies(answerer: Answerer, questions: list[str]) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        for question in questions:
            start = time.perf_counter()
            answerer.answer(question, "sv", date(2026, 11, 30))
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    library = load_library()
    labelled = load_questions(QUESTIONS)
    texts = [q.text for q in labelled]
    print(f"{len(texts)} labelled questions x {ROUNDS} rounds, one process, one core\n")
    print(f"{'content':<22}{'documents':>10}{'phrases':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, answerer in (("today's content", library.answerer), ("20x synthetic", synthetic(library, 20))):
        timings = latencies(answerer, texts)
        documents = len(answerer.services) + len(answerer.faq)
        print(f"{name:<22}{documents:>10}{len(answerer.index):>10}{statistics.median(timings):>9.2f}"
              f"{percentile(timings, 0.99):>9.2f}{max(timings):>9.2f}")
    report = evaluate(library.answerer, labelled, date(2026, 11, 30))
    print(f"\n{'quality (today)':<22}{'top-1':>8}{'answered':>10}{'conf. wrong':>13}{'language':>10}")
    print(f"{'all':<22}{report.accuracy:>8.1%}{report.answered_right / report.total:>10.1%}"
          f"{report.confident_wrong_rate:>13.1%}{report.language_right / report.total:>10.1%}")
    for code, (right, seen) in sorted(report.by_language.items()):
        print(f"{code:<22}{right / seen:>8.1%}{'':>10}{'':>13}{'':>10}  ({seen} questions)")


if __name__ == "__main__":
    main()
