"""The service directory and FAQ: typed entries of content/services/ and content/faq/."""

from math import asin, cos, radians, sin, sqrt
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from bot.content import Entry, Keywords, Slug, Text, Translations
from bot.hours import OpeningHours


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    def km_to(self, other: "Location") -> float:
        """Great-circle distance; plenty precise within a city."""
        dlat, dlon = radians(other.lat - self.lat), radians(other.lon - self.lon)
        a = sin(dlat / 2) ** 2 + cos(radians(self.lat)) * cos(radians(other.lat)) * sin(dlon / 2) ** 2
        return 2 * 6371.0 * asin(sqrt(a))


class Facts(BaseModel):
    """Practical facts that lower the barrier to go there; None means we do not know."""

    model_config = ConfigDict(extra="forbid")

    free: bool | None = None
    registration: bool | None = None
    interpreter: bool | None = None
    accessible: bool | None = None
    bring: Translations | None = None


class Service(Entry):
    """A place or helpline residents can turn to, with how to reach it and when."""

    translated: ClassVar[tuple[str, ...]] = ("name", "description")

    category: Slug
    area: Slug | None = None
    name: Translations
    description: Translations
    keywords: Keywords = {}
    address: Text | None = None
    location: Location | None = None
    phone: Text | None = None
    email: Text | None = None
    web: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    hours: OpeningHours | None = None
    facts: Facts = Facts()
    verified: bool = False


class FaqEntry(Entry):
    """A question residents ask, in their own words in every language, and its answer."""

    translated: ClassVar[tuple[str, ...]] = ("questions", "answer")

    questions: Keywords
    answer: Translations
    # Services whose free-text questions this entry answers (a "how do I apply" card says less than this).
    answers_for: list[Slug] = []
    services: list[Slug] = []
    categories: list[Slug] = []
    verified: bool = False
