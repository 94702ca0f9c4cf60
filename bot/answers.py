"""Answers a resident's question in their own words: the FAQ entry or service meant, or an honest "not sure".

Never a confident wrong answer: below the confidence bar the resident gets up to three suggestions and
the contact centre instead of a guess. The thresholds are calibrated on tests/data/questions.yaml.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bot.directory import FaqEntry, Service
from bot.langdetect import detect
from bot.search import Document, Hit, Phrase, SearchIndex
from bot.textnorm import words
from bot.when import day_asked_about

# Calibrated on the labelled questions (see the closing notes and bench/answer_latency.py).
CONFIDENT = 0.25  # the best match must score at least this …
MARGIN = 0.02  # … and beat the next different answer by this much, unless it scores SURE
SURE = 0.60
SPECIFIC = 3.0  # a question made only of everyday words ("help", "card") gets suggestions, not a guess
SUGGEST = 0.18  # weaker matches are not even suggested
FAQ_BONUS = 0.03  # an answer to "how do I…" beats a place card that scores about the same
SAME_CATEGORY = 0.06  # services of one category this close to the best are offered as a list


@dataclass(frozen=True)
class Category:
    id: str
    names: dict[str, str]
    keywords: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    id: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    kind: Literal["faq", "services", "unsure"]
    language: str
    faq: FaqEntry | None = None
    services: tuple[Service, ...] = ()
    suggestions: tuple[str, ...] = ()  # document keys: "faq:<id>" or "service:<id>"
    area: str | None = None
    day: date | None = None

    @property
    def top_key(self) -> str | None:
        """What the answer (or its first suggestion) points to; used to measure accuracy."""
        if self.faq:
            return f"faq:{self.faq.id}"
        if self.services:
            return f"service:{self.services[0].id}"
        return self.suggestions[0] if self.suggestions else None

    @property
    def confident(self) -> bool:
        return self.kind != "unsure"


class Answerer:
    def __init__(
        self, services: list[Service], faq: list[FaqEntry], categories: list[Category], areas: list[Area]
    ) -> None:
        self.services = {service.id: service for service in services}
        self.faq = {entry.id: entry for entry in faq}
        self.areas = areas
        self._answered_by = {service: f"faq:{entry.id}" for entry in faq for service in entry.answers_for}
        self._area_words = {" ".join(words(name)): area.id for area in areas for name in area.names}
        category_by_id = {category.id: category for category in categories}
        area_names = {area.id: area.names for area in areas}
        documents = [self._faq_document(entry) for entry in faq]
        documents += [self._service_document(s, category_by_id.get(s.category), area_names) for s in services]
        self.index = SearchIndex(documents)

    @staticmethod
    def _faq_document(entry: FaqEntry) -> Document:
        phrases = [Phrase(q, lang) for lang, questions in entry.questions.items() for q in questions]
        return Document(f"faq:{entry.id}", tuple(phrases))

    @staticmethod
    def _service_document(
        service: Service, category: Category | None, area_names: dict[str, tuple[str, ...]]
    ) -> Document:
        places = area_names.get(service.area, ()) if service.area else ()
        phrases = [Phrase(name, lang) for lang, name in service.name.items()]
        phrases += [Phrase(word, lang) for lang, keywords in service.keywords.items() for word in keywords]
        if category:
            # "bibliotek Kärra": the kind of place with its area; the category's other words without it.
            for lang, name in category.names.items():
                phrases += [Phrase(f"{name} {place}".strip(), lang) for place in places or ("",)]
                phrases += [Phrase(word, lang) for word in category.keywords.get(lang, [])]
        return Document(f"service:{service.id}", tuple(phrases))

    def find_area(self, question: str) -> str | None:
        text = f" {' '.join(words(question))} "
        for name, area_id in sorted(self._area_words.items(), key=lambda item: -len(item[0])):
            if f" {name} " in text:
                return area_id
        for token in text.split():
            for name, area_id in self._area_words.items():
                if len(name) >= 5 and " " not in name and _one_edit_apart(token, name):
                    return area_id
        return None

    def answer(self, question: str, user_language: str, today: date) -> Answer:
        area = self.find_area(question)
        hits = self._rank(self._merge(self.index.search(question, limit=12)), area)
        day = day_asked_about(question, today)
        language = self._language(question, hits, user_language)
        vague = self.index.specificity(question) < SPECIFIC
        if not hits or hits[0].score < CONFIDENT or vague or not self._clear_winner(hits):
            suggestions = tuple(hit.key for hit in hits[:3] if hit.score >= SUGGEST)
            return Answer("unsure", language, suggestions=suggestions, area=area, day=day)
        kind, _, ident = hits[0].key.partition(":")
        if kind == "faq":
            return Answer("faq", language, faq=self.faq[ident], area=area, day=day)
        return Answer("services", language, services=self._services_meant(hits, area), area=area, day=day)

    def _merge(self, hits: list[Hit]) -> list[Hit]:
        """A hit on a service that an FAQ entry answers for counts as a hit on that entry."""
        best: dict[str, Hit] = {}
        for hit in hits:
            service = self._service(hit.key)
            key = self._answered_by.get(service.id, hit.key) if service else hit.key
            if key not in best or hit.score > best[key].score:
                best[key] = Hit(key, hit.score, hit.language, hit.phrase, hit.close_languages)
        return sorted(best.values(), key=lambda hit: hit.score, reverse=True)

    def _rank(self, hits: list[Hit], area: str | None) -> list[Hit]:
        """Prefer answers over place cards when close; within the best category, prefer the asked area."""
        adjusted = [Hit(h.key, h.score + (FAQ_BONUS if h.key.startswith("faq:") else 0.0), h.language, h.phrase,
                        h.close_languages) for h in hits]
        adjusted.sort(key=lambda hit: hit.score, reverse=True)
        best = self._service(adjusted[0].key) if adjusted else None
        if area is None or best is None:
            return adjusted
        # "library in Kärra": the area picks among services of the kind asked about, never across kinds.
        local = [h for h in adjusted
                 if (s := self._service(h.key)) and s.category == best.category and s.area == area]
        if not local or local[0] is adjusted[0]:
            return adjusted
        promoted = Hit(local[0].key, adjusted[0].score, local[0].language, local[0].phrase, local[0].close_languages)
        return [promoted, *(h for h in adjusted if h.key != promoted.key)]

    def _clear_winner(self, hits: list[Hit]) -> bool:
        best = hits[0]
        if best.score >= SURE or len(hits) == 1:
            return True
        runner_up = hits[1]
        if self._same_category(best, runner_up):
            return True  # a list of that category is still the right answer
        return best.score - runner_up.score >= MARGIN

    def _same_category(self, first: Hit, second: Hit) -> bool:
        a, b = self._service(first.key), self._service(second.key)
        return bool(a and b and a.category == b.category)

    def _service(self, key: str) -> Service | None:
        """The service a document key names ("service:<id>"), or None for an FAQ entry."""
        kind, _, ident = key.partition(":")
        return self.services.get(ident) if kind == "service" else None

    def _services_meant(self, hits: list[Hit], area: str | None) -> tuple[Service, ...]:
        best = self._service(hits[0].key)
        close = [s for hit in hits if hit.score >= hits[0].score - SAME_CATEGORY and (s := self._service(hit.key))]
        same_kind = [service for service in close if service.category == best.category]
        return tuple(same_kind) if area is None and len(same_kind) > 1 else (best,)

    @staticmethod
    def _language(question: str, hits: list[Hit], user_language: str) -> str:
        detected = detect(question)
        if detected:
            return detected
        if hits and hits[0].score >= CONFIDENT and hits[0].language and user_language not in hits[0].close_languages:
            return hits[0].language
        return user_language

    def lookup(self, key: str) -> FaqEntry | Service | None:
        kind, _, ident = key.partition(":")
        return self.faq.get(ident) if kind == "faq" else self.services.get(ident)


def _one_edit_apart(a: str, b: str) -> bool:
    """True when one letter added, removed or changed turns a into b ("karaa" ~ "karra")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
