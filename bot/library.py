"""Everything the bot knows from content/, loaded and checked as one unit; reloadable without a restart."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot import PROJECT_ROOT
from bot.answers import Answerer
from bot.answers import Area as SearchArea
from bot.answers import Category as SearchCategory
from bot.content import Area, Category, Content, ContentError, E, load_content, read_entries
from bot.directory import FaqEntry, Location, Service
from bot.programme import ActivityEntry

log = logging.getLogger(__name__)
CONTENT_DIR = PROJECT_ROOT / "content"


def read_folder(folder: Path, model: type[E]) -> list[E]:
    """Every entry of every YAML file in a folder; a ContentError lists every problem in all of them."""
    entries: list[E] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            entries += read_entries(path, model)
        except ContentError as error:
            problems += [f"{folder.name}/{problem}" for problem in error.problems]
    if problems:
        raise ContentError(problems)
    return entries


@dataclass
class Library:
    content: Content
    services: dict[str, Service]
    faq: dict[str, FaqEntry]
    answerer: Answerer
    activities: list[ActivityEntry] = field(default_factory=list)

    def category(self, category_id: str) -> Category | None:
        return self.content.category(category_id)

    def area(self, area_id: str) -> Area | None:
        return self.content.area(area_id)

    def category_label(self, category_id: str, locale: str) -> str:
        category = self.category(category_id)
        return category.label(locale) if category else category_id

    def services_in(self, category_id: str, area_id: str | None) -> list[Service]:
        """A category's services in an area (city-wide ones too), or all of them; local ones first."""
        found = [s for s in self.services.values() if s.category == category_id
                 and (area_id is None or s.area in (area_id, None))]
        return sorted(found, key=lambda s: (s.area is None, s.area or "", s.name["sv"]))

    def areas_with(self, category_id: str) -> list[Area]:
        present = {s.area for s in self.services.values() if s.category == category_id and s.area}
        return [area for area in self.content.areas if area.id in present]

    def categories_with_services(self) -> list[Category]:
        present = {s.category for s in self.services.values()}
        return [category for category in self.content.categories if category.id in present]

    def categories_with_located_services(self) -> list[Category]:
        present = {s.category for s in self.services.values() if s.location}
        return [category for category in self.content.categories if category.id in present]

    def nearest(self, category_id: str, here: Location, count: int) -> list[tuple[Service, float]]:
        located = [(s, here.km_to(s.location)) for s in self.services.values()
                   if s.category == category_id and s.location]
        return sorted(located, key=lambda pair: pair[1])[:count]


def load_library(directory: Path = CONTENT_DIR) -> Library:
    content = load_content(directory)
    services = read_folder(directory / "services", Service)
    faq = read_folder(directory / "faq", FaqEntry)
    activities = read_folder(directory / "activities", ActivityEntry)
    _check_references(content, services, faq)
    _check_activities(content, services, activities)
    categories = [SearchCategory(c.id, dict(c.name), dict(c.keywords)) for c in content.categories]
    areas = [SearchArea(a.id, area_names(a)) for a in content.areas]
    answerer = Answerer(services, faq, categories, areas)
    return Library(content, {s.id: s for s in services}, {f.id: f for f in faq}, answerer, activities)


def area_names(area: Area) -> tuple[str, ...]:
    return (area.name, *area.names.values())


def _check_references(content: Content, services: list[Service], faq: list[FaqEntry]) -> None:
    categories = {c.id for c in content.categories}
    areas = {a.id for a in content.areas}
    seen: set[str] = set()
    for service in services:
        if service.id in seen:
            raise ContentError(f"services: entry '{service.id}': duplicate id")
        seen.add(service.id)
        if service.category not in categories:
            raise ContentError(f"services: entry '{service.id}': field category: unknown '{service.category}'")
        if service.area is not None and service.area not in areas:
            raise ContentError(f"services: entry '{service.id}': field area: unknown '{service.area}'")
    faq_ids: set[str] = set()
    for entry in faq:
        if entry.id in faq_ids:
            raise ContentError(f"faq: entry '{entry.id}': duplicate id")
        faq_ids.add(entry.id)
        for service_id in [*entry.services, *entry.answers_for]:
            if service_id not in seen:
                raise ContentError(f"faq: entry '{entry.id}': field services: unknown '{service_id}'")
        for category_id in entry.categories:
            if category_id not in categories:
                raise ContentError(f"faq: entry '{entry.id}': field categories: unknown '{category_id}'")


def _check_activities(content: Content, services: list[Service], activities: list[ActivityEntry]) -> None:
    categories = {c.id for c in content.activity_categories}
    areas = {a.id for a in content.areas}
    service_ids = {s.id for s in services}
    seen: set[str] = set()
    for activity in activities:
        where = f"activities: entry '{activity.id}'"
        if activity.id in seen:
            raise ContentError(f"{where}: duplicate id")
        seen.add(activity.id)
        if activity.category not in categories:
            raise ContentError(f"{where}: field category: unknown '{activity.category}'")
        if activity.area is not None and activity.area not in areas:
            raise ContentError(f"{where}: field area: unknown '{activity.area}'")
        if activity.venue.service is not None and activity.venue.service not in service_ids:
            raise ContentError(f"{where}: field venue.service: unknown '{activity.venue.service}'")


class ContentStore:
    """The content in use. A reload that fails keeps the last good content and says why."""

    def __init__(self, directory: Path = CONTENT_DIR) -> None:
        self.directory = directory
        self.current = load_library(directory)

    def reload(self) -> str | None:
        try:
            self.current = load_library(self.directory)
        except (ContentError, OSError) as error:
            log.error("content reload failed, keeping the last good content: %s", error)
            return str(error)
        return None
