"""Staff create polls: the /poll wizard and a YAML file, both ending in one preview and Confirm; a file with
mistakes is sent back with every problem by field, and nothing is stored."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot import poll_files
from bot.announcements import format_moment
from bot.config import Settings
from bot.languages import LANGUAGES
from bot.library import CONTENT_DIR, ContentStore
from db.models import AuditEntry, Poll
from tests.support import eventually, onboarded
from tests.test_announcements import add_resident, staff_member
from tests.test_first_conversation import i18n, t

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the clock fixture: 10:00 in Gothenburg
TZ = ZoneInfo("Europe/Stockholm")
TEMPLATE = CONTENT_DIR.parent / "docs" / "poll-template.yaml"
EN = "en"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The flood guard counts by the test's frozen clock, so a whole wizard would look like a burst of taps.
    return settings.model_copy(update={"flood_limit": 1000})


@pytest.fixture
def english():  # noqa: ANN201
    """Problems described in English, as the bot does for an English-speaking staff member."""
    with i18n.context(), i18n.use_locale(EN):
        yield


def p(singular: str, plural: str, n: int, locale: str = EN, **values: object) -> str:
    return i18n.gettext(singular, plural, n=n, locale=locale).format(count=n, **values)


def step(number: int, total: int) -> str:
    return t("<b>🗳 New poll</b> — step {number} of {total}", EN).format(number=number, total=total).replace(
        "<b>", "").replace("</b>", "")


def labels(message) -> list[str]:  # noqa: ANN001
    return [b["text"] for b in message.inline_buttons()]


def moment(value: datetime) -> str:
    return format_moment(value, EN, TZ)


async def polls_stored(db) -> int:  # noqa: ANN001
    await db.rollback()
    return await db.scalar(select(func.count()).select_from(Poll))


async def the_poll(db) -> Poll:  # noqa: ANN001
    """The one poll stored, once the bot has committed it (its reply comes a moment before the commit)."""
    await eventually(lambda: polls_stored(db), 1)
    return (await db.scalars(select(Poll))).one()


RATING_FILE = """\
# A rating poll for young people, in Swedish and Finnish.
theme_group: young-people
type: rating
question:
  sv: Hur trivs du på fritidsgården?
  fi: Miten viihdyt nuorisotalolla?
comment: yes
audience:
  languages: [sv, en]
opens: 2026-12-01 10:00
closes: "2026-12-08 18:00"
public_results: true
live_results: true
remind: 2026-12-05 10:00:00
""".encode()

BROKEN_FILE = b"""\
theme_group: safe-and-lively
type: single
question:
  en: Where do you feel unsafe?
options:
  - sv: I parken
  - sv: Vid bussen
opens: "2026-12-10 10:00"
closes: "2026-12-03 10:00"
colour: red
"""


# --- the file format (no Telegram needed) ------------------------------------------------------------------------


def parse(data: bytes, content: ContentStore) -> poll_files.Parsed:
    return poll_files.parse(data, content.current.content, TZ, NOW)


def test_the_template_is_a_valid_poll(content, english) -> None:  # noqa: ANN001
    parsed = parse(TEMPLATE.read_bytes(), content)
    assert parsed.problems == []
    draft = parsed.draft
    assert (draft.theme_group, draft.kind, draft.comment_step, draft.public_results, draft.live_results) == (
        "safe-and-lively", "single", True, True, False)
    assert [option["sv"] for option in draft.options] == ["Vid busshållplatsen", "I parken", "I centrum", "Ingenstans"]
    assert draft.audience.areas == {"backa", "karra"} and not draft.audience.languages
    assert (draft.opens_at, draft.closes_at, draft.remind_at) == (
        datetime(2027, 1, 11, 8, 0, tzinfo=UTC), datetime(2027, 1, 25, 17, 0, tzinfo=UTC),
        datetime(2027, 1, 21, 16, 0, tzinfo=UTC))
    assert set(draft.missing_languages()) == set(LANGUAGES) - {"sv", "en"}


def test_a_rating_file_and_opening_now(content, english) -> None:  # noqa: ANN001
    parsed = parse(RATING_FILE, content)
    assert parsed.problems == [] and not parsed.opens_now
    # A time with seconds is read by YAML as a date and time; it is still local time.
    assert parsed.draft.remind_at == datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    now_file = parse(RATING_FILE.replace(b"opens: 2026-12-01 10:00", b"opens: now"), content)
    assert now_file.problems == [] and now_file.opens_now and now_file.draft.opens_at == NOW


def test_every_problem_is_named_by_its_field(content, english) -> None:  # noqa: ANN001
    problems = [problem.describe() for problem in parse(BROKEN_FILE, content).problems]
    assert problems == [
        "Field colour: this field is unknown. Check the spelling; the fields are: theme_group, type, question, "
        "options, comment, audience, opens, closes, public_results, live_results, remind.",
        "Field question.sv: this must be filled in.",
        "Field closes: the poll must close after it opens.",
    ]
    more = parse("""\
theme_group: youth
type: ranking
question: {sv: "Fråga?", se: "Fråga"}
options: [{sv: "Ja", en: ""}, {sv: "%s"}]
comment: maybe
audience: {areas: [atlantis], regions: [x]}
opens: tomorrow
closes: 2026-12-24
remind: someday
""".replace("%s", "x" * 61).encode(), content).problems
    assert [(problem.field, problem.code) for problem in more] == [
        ("question", "unknown_language"), ("options.1.en", "empty_text"), ("comment", "yes_no"),
        ("audience.regions", "unknown_field"), ("theme_group", "theme_group"), ("type", "type"),
        ("opens", "opens"), ("closes", "time"), ("remind", "time"),
    ]
    assert more[0].describe() == ("Field question: 'se' is not a language code. Use one of: sv, en, ar, so, fa, bs, "
                                  "ckb, fi.")
    too_long = parse(BROKEN_FILE.replace(b"  en: Where", b"  sv: " + b"x" * 301 + b"\n  en: Where").replace(
        b"colour: red\n", b"").replace(b"2026-12-03", b"2026-12-13"), content).problems
    assert [problem.describe() for problem in too_long] == [
        "Field question.sv: this is too long: at most 300 characters."]
    options_for_rating = parse(BROKEN_FILE.replace(b"type: single", b"type: yesno").replace(
        b"  en: Where", b"  sv: Var").replace(b"colour: red\n", b"").replace(b"2026-12-03", b"2026-12-13"),
        content).problems
    assert [(problem.field, problem.code) for problem in options_for_rating] == [("options", "no_options")]


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"), (b"# only a comment\n", "empty"), (b"\xff\xfe\x00x", "encoding"), (b"- a\n- b\n", "not_mapping"),
    (b"type: [single\n", "yaml"), (b"type: single\ntype: rating\n", "yaml"),
])
def test_broken_files_get_one_clear_problem(content, english, data: bytes, code: str) -> None:  # noqa: ANN001
    assert [problem.code for problem in parse(data, content).problems] == [code]


# --- over Telegram ------------------------------------------------------------------------------------------------


async def test_wizard_creates_a_single_choice_poll_with_an_english_version(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock, 701, EN, "English")
    await add_resident(db, emulator, clock, 711, "sv")
    await add_resident(db, emulator, clock, 712, "en")
    await add_resident(db, emulator, clock, 713, "ar")

    staff.send("/poll")
    first = await staff.expect(step(1, 12), t("Which theme group is the poll for? Its members read the results.", EN))
    assert "A safe and lively neighbourhood" in labels(first) and t("⬅️ Back", EN) not in labels(first)
    await staff.press("A safe and lively neighbourhood")
    await staff.expect(step(2, 12), t("What kind of poll?", EN))
    assert not first.inline_buttons(), "the previous step's buttons are gone"
    await staff.press(t("🔘 One choice", EN))
    await staff.expect(step(3, 12))
    staff.send("Var känner du dig otrygg på kvällen?")
    await staff.expect(step(4, 12))
    staff.send("Vid busshållplatsen\n\nI parken")  # one per line (blank lines do not count)
    listed = await staff.expect("1. Vid busshållplatsen\n2. I parken")
    assert t("Next ➡️", EN) in labels(listed)
    staff.send("I centrum")  # or one message each
    await staff.expect("1. Vid busshållplatsen\n2. I parken\n3. I centrum")
    await staff.press(t("Next ➡️", EN))

    languages = await staff.expect(step(5, 12))
    assert "+ English" in labels(languages) and "+ Svenska" not in labels(languages)
    await staff.press("+ English")
    await staff.expect(t("Send the question in {language}.", EN).format(language="English"),
                       "Var känner du dig otrygg på kvällen?")
    staff.send("Where do you feel unsafe in the evening?")
    await staff.expect(p("Now send the {count} option in {language}, one per line, in this order:",
                         "Now send the {count} options in {language}, one per line, in this order:", 3,
                         language="English"))
    staff.send("At the bus stop\nIn the park")
    await staff.expect(p("I need exactly {count} line, one per option, and got {given}.",
                         "I need exactly {count} lines, one per option, and got {given}.", 3, given=2))
    staff.send("At the bus stop\nIn the park\nIn the centre")
    languages = await staff.expect(step(5, 12))
    assert "✓ English" in labels(languages) and "+ العربية" in labels(languages)
    await staff.press(t("Next ➡️", EN))

    await staff.expect(step(6, 12))
    await staff.press("✓ " + t("No comment", EN))  # the current setting is marked
    audience = await staff.expect(step(7, 12), t("Who should be invited to answer?", EN))
    assert p("It reaches {count} person now.", "It reaches {count} people now.", 4) in audience.text
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(8, 12), t("When does the poll open? The invitations go out then.", EN))
    await staff.press(t("▶️ When I confirm", EN))
    closes = await staff.expect(step(9, 12), t("It opens when you confirm.", EN))
    assert labels(closes)[:3] == ["In 3 days", "In 1 week", "In 2 weeks"]
    await staff.press("In 1 week")
    await staff.expect(step(10, 12))
    await staff.press("⬜ " + t("Residents see results after closing", EN))  # switched on in place
    await staff.press(t("Next ➡️", EN))
    remind = await staff.expect(step(11, 12))
    halfway = t("⏰ Halfway: {moment}", EN).format(moment=moment(NOW + timedelta(days=3.5)))
    assert labels(remind)[:3] == [halfway, t("⏰ A day before closing: {moment}", EN).format(
        moment=moment(NOW + timedelta(days=6))), t("🔕 No reminder", EN)]
    await staff.press(halfway)

    # One preview per language that has people: Swedish, English (the staff member too), Arabic in Swedish.
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):", 1,
                         language="Svenska"))
    swedish = await staff.expect("🗳 Var känner du dig otrygg på kvällen?", "Trygg och levande stadsdel")
    assert labels(swedish) == ["Vid busshållplatsen", "I parken", "I centrum"]
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):", 2,
                         language="English"))
    english = await staff.expect("🗳 Where do you feel unsafe in the evening?", "A safe and lively neighbourhood")
    assert labels(english) == ["At the bus stop", "In the park", "In the centre"]
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):", 1,
                         language="العربية"), t("Not translated: they see the Swedish text.", EN))
    arabic = await staff.expect("🗳 Var känner du dig otrygg på kvällen?")
    assert labels(arabic) == ["Vid busshållplatsen", "I parken", "I centrum"]
    summary = await staff.expect(step(12, 12), t("Type: {kind}", EN).format(kind=t("🔘 One choice", EN)),
                                 t("Opens: when you confirm.", EN),
                                 t("Closes: {moment}", EN).format(moment=moment(NOW + timedelta(days=7))),
                                 t("Residents who answered get the results after closing.", EN),
                                 p("It reaches {count} person now.", "It reaches {count} people now.", 4))
    fallback = ", ".join(name for code, name in LANGUAGES.items() if code not in ("sv", "en"))
    assert t("Not translated, so residents see the Swedish text: {languages}", EN).format(
        languages=fallback) in summary.text
    answer = await staff.press_data(english.message_id, english.inline_buttons()[0]["callback_data"])
    assert answer["text"] == t("This is only a preview: nothing is counted.", EN)

    clock.advance(minutes=10)  # a preview read slowly: "now" and "in a week" count from the confirmation
    await staff.press(t("✅ Create the poll", EN))
    await staff.expect(t("✅ Poll {id} is created and open. Residents get the invitation now, or when their quiet "
                         "hours end.", EN).format(id=1))
    poster = await staff.expect("?start=poll-1")  # the link and QR code for posters come with it
    assert isinstance(poster.photo, bytes) and poster.photo.startswith(b"\x89PNG")
    poll = await the_poll(db)
    opened = NOW + timedelta(minutes=10)
    assert (poll.theme_group, poll.kind, poll.comment_step, poll.public_results, poll.live_results) == (
        "safe-and-lively", "single", False, True, False)
    assert poll.questions == {"sv": "Var känner du dig otrygg på kvällen?",
                              "en": "Where do you feel unsafe in the evening?"}
    assert poll.options == [{"sv": "Vid busshållplatsen", "en": "At the bus stop"},
                            {"sv": "I parken", "en": "In the park"}, {"sv": "I centrum", "en": "In the centre"}]
    assert poll.audience == {"areas": [], "languages": [], "categories": []}
    assert (poll.opens_at, poll.closes_at, poll.remind_at, poll.created_by) == (
        opened, opened + timedelta(days=7), opened + timedelta(days=3.5), 701)
    assert await db.scalar(select(func.count()).where(
        AuditEntry.action == "poll.created", AuditEntry.subject == str(poll.id), AuditEntry.actor_id == 701)) == 1


async def test_wizard_with_set_times_an_audience_and_a_reminder_the_day_before(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock, 702, EN, "English")
    await add_resident(db, emulator, clock, 721, "sv")
    staff.send("/poll")
    await staff.expect(step(1, 12))
    await staff.press("Child poverty")
    await staff.expect(step(2, 12))
    await staff.press(t("☑️ Several choices", EN))
    await staff.expect(step(3, 12))
    staff.send("Vad behöver ditt barn mer av?")
    await staff.expect(step(4, 12))
    staff.send("Läxhjälp\n" + "x" * 61)
    await staff.expect(t("“{option}” is longer than {limit} characters. Please shorten it.", EN).format(
        option="x" * 61, limit=60))
    staff.send("Läxhjälp\nIdrott\nMusik")
    await staff.expect("3. Musik")
    await staff.press(t("🗑 Start the options over", EN))
    await staff.expect(step(4, 12))
    staff.send("Läxhjälp\nIdrott")
    await staff.expect("2. Idrott")
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(5, 12))
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(6, 12))
    await staff.press(t("💬 Yes, ask for a comment", EN))
    await staff.expect(step(7, 12))

    # The audience screen of /announce: a list opens in place, ticks update the live count.
    await staff.press(t("🌐 Languages ({count})", EN).format(count=0))
    await staff.press("Svenska")
    ticked = staff.keyboard_message("✓ Svenska")
    assert p("It reaches {count} person now.", "It reaches {count} people now.", 1) in ticked.text
    await staff.press(t("✓ Done", EN))
    await staff.press(t("Next ➡️", EN))

    await staff.expect(step(8, 12))
    await staff.press(t("🗓 At a set time", EN))
    await staff.expect(step(8, 12), t("Type the date and time (time in {zone}) like this: {example}", EN).format(
        zone="Europe/Stockholm", example="2026-12-01 18:00"))
    staff.send("2026-11-29 10:00")
    await staff.expect(t("That time has already passed. Please choose a time in the future.", EN))
    staff.send("2026-12-02 08:00")
    await staff.expect(step(9, 12), t("It opens {moment}.", EN).format(moment="2 December 2026 08:00"))
    await staff.press(t("🗓 At a set time", EN))
    await staff.expect(step(9, 12))
    staff.send("2026-12-01 20:00")
    await staff.expect(t("It must close after it opens ({moment}).", EN).format(moment="2 December 2026 08:00"))
    staff.send("2026-12-09 20.00")
    await staff.expect(step(10, 12))
    await staff.press("⬜ " + t("Theme group sees results while open", EN))
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(11, 12))
    await staff.press(t("⏰ A day before closing: {moment}", EN).format(moment="8 December 2026 20:00"))
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):", 1,
                         language="Svenska"))
    preview = await staff.expect("Vad behöver ditt barn mer av?")
    assert labels(preview) == ["Läxhjälp", "Idrott", t("📨 Send", "sv")], "the resident's language, and Send"
    await staff.expect(t("Opens: {moment}", EN).format(moment="2 December 2026 08:00"),
                       t("The theme group may follow the results while the poll is open.", EN),
                       t("💬 After answering, residents may add a comment.", EN))
    await staff.press(t("✅ Create the poll", EN))
    await staff.expect(t("✅ Poll {id} is created. The invitations go out when it opens: {moment}.", EN).format(
        id=1, moment="2 December 2026 08:00"))
    poll = await the_poll(db)
    assert (poll.kind, poll.theme_group, poll.comment_step, poll.live_results, poll.public_results) == (
        "multiple", "child-poverty", True, True, False)
    assert poll.audience == {"areas": [], "languages": ["sv"], "categories": []}
    assert (poll.opens_at, poll.closes_at, poll.remind_at) == (
        datetime(2026, 12, 2, 7, 0, tzinfo=UTC), datetime(2026, 12, 9, 19, 0, tzinfo=UTC),
        datetime(2026, 12, 8, 19, 0, tzinfo=UTC))


async def test_a_yaml_file_makes_a_rating_poll_after_the_same_preview(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock, 703, EN, "English")
    await add_resident(db, emulator, clock, 731, "sv")
    await add_resident(db, emulator, clock, 732, "fi")  # not in the file's audience

    staff.send("/poll")
    await staff.expect(step(1, 12))
    await staff.press(t("📄 From a YAML file instead", EN))
    template = await staff.expect()
    assert template.method == "sendDocument" and template.filename == "poll-template.yaml"
    assert template.document == TEMPLATE.read_bytes()
    await staff.expect(t("Fill in the template above (the lines starting with # explain each field) and send it back "
                         "here as a file (📎 → File). You will see a preview before anything is saved.", EN))
    staff.send("Hur trivs du?")
    await staff.expect(t("Please send the poll as a YAML file (a name ending in .yaml), as a file (📎 → File).", EN))
    staff.send_content(document=emulator.add_file(RATING_FILE, "fritidsgard.yaml", "application/x-yaml"))
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):", 1,
                         language="Svenska"))
    swedish = await staff.expect("🗳 Hur trivs du på fritidsgården?", "Unga 15–24 år")
    assert labels(swedish) == ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):", 1,
                         language="English"), t("Not translated: they see the Swedish text.", EN))
    await staff.expect("🗳 Hur trivs du på fritidsgården?")
    summary = await staff.expect(t("<b>🗳 New poll from a file</b>", EN).replace("<b>", "").replace("</b>", ""),
                                 t("Type: {kind}", EN).format(kind=t("⭐ Rating 1–5", EN)),
                                 t("Opens: {moment}", EN).format(moment="1 December 2026 10:00"),
                                 t("Reminder to those who have not answered: {moment}", EN).format(
                                     moment="5 December 2026 10:00"))
    assert labels(summary) == [t("✅ Create the poll", EN), t("✖️ Cancel", EN)], "a file is changed, not stepped back"
    fallback = ", ".join(name for code, name in LANGUAGES.items() if code not in ("sv", "fi"))
    assert t("Not translated, so residents see the Swedish text: {languages}", EN).format(
        languages=fallback) in summary.text
    await staff.press(t("✅ Create the poll", EN))
    await staff.expect(t("✅ Poll {id} is created. The invitations go out when it opens: {moment}.", EN).format(
        id=1, moment="1 December 2026 10:00"))
    poll = await the_poll(db)
    assert (poll.kind, poll.theme_group, poll.options, poll.comment_step, poll.public_results, poll.live_results) == (
        "rating", "young-people", [], True, True, True)
    assert poll.questions == {"sv": "Hur trivs du på fritidsgården?", "fi": "Miten viihdyt nuorisotalolla?"}
    assert poll.audience == {"areas": [], "languages": ["en", "sv"], "categories": []}
    assert (poll.opens_at, poll.closes_at, poll.remind_at) == (
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC), datetime(2026, 12, 8, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 5, 9, 0, tzinfo=UTC))


async def test_a_file_with_mistakes_gets_one_reply_and_stores_nothing(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock, 704, EN, "English")
    staff.send_content(document=emulator.add_file(BROKEN_FILE, "enkat.yml", "application/octet-stream"))
    reply = await staff.expect(
        t("<b>No poll was created.</b> Please fix this in the file and send it again:", EN).replace(
            "<b>", "").replace("</b>", ""),
        "• Field colour: this field is unknown.", "• Field question.sv: this must be filled in.",
        "• Field closes: the poll must close after it opens.")
    assert not reply.inline_buttons()
    await staff.expect_silence()
    assert await polls_stored(db) == 0

    staff.send_content(document={"file_id": "big", "file_unique_id": "u-big", "file_name": "big.yaml",
                                 "mime_type": "application/x-yaml", "file_size": 200_000})
    await staff.expect(t("The file is too big: at most {limit} KB. A poll file is usually a few KB.", EN).format(
        limit=100))

    # In the /activity upload step a file is the CSV import's, whatever its name.
    staff.send("/activity")
    await staff.expect()
    await staff.press(t("📄 Import from a CSV file", EN))
    await staff.expect()
    await staff.expect()
    staff.send_content(document=emulator.add_file(RATING_FILE, "poll.yaml", "application/x-yaml"))
    await staff.expect(t("Please send a CSV file (a name ending in .csv).", EN))
    assert await polls_stored(db) == 0


async def test_residents_do_not_have_poll(app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 705, EN, "English")
    resident.send("/poll")
    await resident.expect(t("I don't know that command. Here is what I can do: /help", EN))
    resident.send_content(document=emulator.add_file(RATING_FILE, "poll.yaml", "application/x-yaml"))
    await resident.expect(t("Thank you! I can only read text. Please write to me, or choose from the menu.", EN))
    forged = resident.emulator.messages(705)[-1]
    answer = await resident.press_data(forged.message_id, "pa:grp:young-people:")
    assert answer["text"] == t("This button no longer works. Here is the menu.", EN)
    await resident.expect()
    assert await polls_stored(db) == 0


async def test_back_and_cancel(app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock, 706, EN, "English")
    staff.send("/poll")
    await staff.expect(step(1, 12))
    await staff.press("Working together (co-creation)")
    await staff.expect(step(2, 12))
    await staff.press(t("⬅️ Back", EN))
    again = await staff.expect(step(1, 12))
    assert "✓ Working together (co-creation)" in labels(again), "the choice made is marked"
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(2, 12))
    await staff.press(t("👍 Yes or no", EN))
    await staff.expect(step(3, 11))  # yes/no has no options step
    staff.send_content(sticker={"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                                "is_animated": False, "is_video": False})
    await staff.expect(t("Please send the text as a message.", EN))
    staff.send("Vill du ha fler parkbänkar?")
    languages = await staff.expect(step(4, 11))
    await staff.press(t("⬅️ Back", EN))
    question = await staff.expect(step(3, 11), t("Now: {question}", EN).format(question="Vill du ha fler parkbänkar?"))
    keep = question.inline_buttons()[0]["callback_data"]  # "Next ➡️", pressed again after Cancel below
    assert not languages.inline_buttons(), "the previous step's buttons are gone"
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(4, 11))
    await staff.press(t("Next ➡️", EN))
    await staff.expect(step(5, 11))
    await staff.press(t("⬅️ Back", EN))
    await staff.expect(step(4, 11))
    await staff.press(t("✖️ Cancel", EN))
    await staff.expect(t("Cancelled. No poll was created.", EN))
    answer = await staff.press_data(question.message_id, keep)
    assert answer["text"] == t("This button no longer works. Here is the menu.", EN)
    await staff.expect()
    staff.send("Hej")  # after Cancel a text is a question again, not a poll answer
    text = (await staff.expect()).text
    assert t("Please use the buttons above, or Cancel.", EN) not in text

    async def stored() -> int:
        return await polls_stored(db)

    await eventually(stored, 0)

