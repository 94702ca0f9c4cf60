"""Feedback polls end to end: invitations, answering (also by a poster's link), double taps, changing an answer,
closing, public results, the reminder, comments, "you said, we did", and what residents can see of their data."""

import asyncio
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from bot import poll_results, polls
from bot.audience import Audience
from bot.config import Settings
from bot.poll_messages import VOTE, PollCallback
from bot.roles import THEME_GROUP
from db import users as queries
from db.models import OutboxMessage, Poll, PollAnswer, PollComment, PollReach
from tests.conftest import ADMIN_ID, POLL_SECRET
from tests.support import Resident, eventually, onboarded, wait_until
from tests.test_first_conversation import CHOOSE, t

KEY = POLL_SECRET.encode()
GROUP = "young-people"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The flood guard counts by the test's frozen clock, so a run of taps would look like a burst. The scheduler's
    # own ticks are made rare: the tests tick it themselves, so an invitation never arrives at a random moment.
    return settings.model_copy(update={"flood_limit": 1000, "scheduler_tick_seconds": 3600})


@pytest.fixture
async def app(app):  # noqa: ANN001, ANN201
    """The bot after its start-up tick: a poll made by the test is then invited only when the test ticks."""
    await wait_until(lambda: app.jobs.ticks > 0, what="the scheduler's start-up tick")
    return app


async def make_poll(db, clock, *, kind: str = polls.SINGLE, options: list[dict] | None = None,  # noqa: ANN001
                    audience: Audience | None = None, hours_open: float = 48, public: bool = False,
                    live: bool = False, comment: bool = False, remind_after: float | None = None,
                    questions: dict | None = None) -> Poll:
    now = clock.now()
    draft = polls.PollDraft(
        theme_group=GROUP, kind=kind,
        questions=questions or {"sv": "Vad vill du göra på fritidsgården?",
                                "en": "What do you want to do at the youth centre?"},
        options=options if options is not None else [
            {"sv": "Spela musik", "en": "Play music"}, {"sv": "Laga mat", "en": "Cook"},
            {"sv": "Läxhjälp", "en": "Homework help"}],
        comment_step=comment, audience=audience or Audience(), opens_at=now,
        closes_at=now + timedelta(hours=hours_open),
        public_results=public, live_results=live,
        remind_at=now + timedelta(hours=remind_after) if remind_after is not None else None)
    assert draft.problems(now) == []
    poll = await polls.create(db, draft, ADMIN_ID, now)
    await db.commit()
    db.expunge(poll)  # the test reads the database again later; this copy keeps its values
    return poll


async def answers(db, poll_id: int) -> list[tuple[int, str, str]]:  # noqa: ANN001
    await db.rollback()
    rows = await db.execute(select(PollAnswer.choices, PollAnswer.language, PollAnswer.source)
                            .where(PollAnswer.poll_id == poll_id))
    return sorted(tuple(row) for row in rows)


async def invite(app) -> None:  # noqa: ANN001
    await app.jobs.tick()
    app.delivery.wake()


def texts(emulator, user_id: int) -> list[str]:  # noqa: ANN001
    return [message.text or "" for message in emulator.messages(user_id)]


async def test_invitations_reach_the_audience_in_their_language_and_one_tap_answers(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    english = await onboarded(resident_factory, 5101, "en", "English")
    swedish = await onboarded(resident_factory, 5102, "sv", "Svenska")
    finnish = await onboarded(resident_factory, 5103, "fi", "Suomi")
    poll = await make_poll(db, clock, audience=Audience(languages=frozenset({"en", "sv"})))
    await invite(app)
    invitation = await english.expect(t("📣 A new poll from the district: tell us what you think!", "en"),
                                      "What do you want to do at the youth centre?", timeout=10)
    assert [b["text"] for b in invitation.inline_buttons()] == ["Play music", "Cook", "Homework help"]
    await swedish.expect("Vad vill du göra på fritidsgården?", timeout=10)
    await finnish.expect_silence()  # not in the audience

    answer = await english.press("Cook")
    assert answer["text"] == t("Thank you!", "en")
    await english.expect(t("🙏 Thank you for answering! Your answer is anonymous. You can change it until {moment}.",
                           "en").split("{")[0])
    assert await answers(db, poll.id) == [(0b010, "en", polls.FROM_INVITATION)]
    # The choice is marked on the invitation itself.
    assert "✅ Cook" in [b["text"] for b in english.keyboard_message("✅ Cook").inline_buttons()]

    # Another job tick (or a restart) does not invite anyone twice.
    await invite(app)
    await english.expect_silence(0.5)
    assert sum("A new poll" in text for text in texts(emulator, english.user_id)) == 1


async def test_double_taps_count_once_and_an_answer_can_be_changed_until_closing(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 5201, "en", "English")
    poll = await make_poll(db, clock, kind=polls.YESNO, questions={"sv": "Känns Backa tryggt på kvällen?",
                                                                  "en": "Does Backa feel safe in the evening?"})
    resident.send("/polls")
    await resident.expect(t("Open polls: your answers help the district decide. ✅ = answered (you can still change "
                            "it).", "en"))
    await resident.press("🗳 Does Backa feel safe in the evening?")
    shown = await resident.expect("Does Backa feel safe in the evening?")
    yes = next(b for b in shown.inline_buttons() if b["text"] == t("Yes", "en"))

    # Two taps on "Yes" at the same moment (a shaky thumb, a slow network).
    first = emulator.press_button(resident.user_id, shown.message_id, yes["callback_data"])
    second = emulator.press_button(resident.user_id, shown.message_id, yes["callback_data"])
    replies = await asyncio.gather(emulator.wait_for_callback_answer(first),
                                   emulator.wait_for_callback_answer(second))
    assert sorted(r.get("text") for r in replies) == sorted([t("Thank you!", "en"),
                                                             t("Your answer is already saved.", "en")])
    await resident.expect(t("🙏 Thank you for answering!", "en").split("!")[0])
    await resident.expect_silence(0.5)  # one thank-you, not two
    assert await answers(db, poll.id) == [(0b01, "en", polls.FROM_LIST)]

    # Changing the answer replaces it: still one row.
    answer = await resident.press(t("No", "en"))
    assert answer["text"] == t("Your answer is changed.", "en")
    await resident.expect(t("✏️ Your answer is changed. Thank you!", "en"))
    assert await answers(db, poll.id) == [(0b10, "en", polls.FROM_LIST)]

    # After closing: a friendly "closed", and the answer stays as it was.
    clock.advance(hours=49)
    answer = await resident.press("✅ " + t("No", "en"))
    assert answer["text"] == t("This poll is closed.", "en")
    await resident.expect(t("This poll is closed: thank you for your interest.", "en"))
    assert await answers(db, poll.id) == [(0b10, "en", polls.FROM_LIST)]


async def test_a_posters_link_with_a_place_tag_brings_a_new_resident_to_the_poll(
        app, db, clock, resident_factory) -> None:  # noqa: ANN001
    poll = await make_poll(db, clock, kind=polls.RATING,
                           questions={"sv": "Hur trivs du på biblioteket?", "en": "How do you like the library?"})
    newcomer = resident_factory(5301, language_code="en")
    newcomer.send(f"/start poll-{poll.id}-backa_bibliotek")
    await newcomer.expect(t("Which language do you want me to use?", "en"))
    await newcomer.press("English")
    await newcomer.expect(t("Done! From now on I will write to you in English.", "en"))
    shown = await newcomer.expect("How do you like the library?")
    assert [b["text"] for b in shown.inline_buttons()] == ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]
    await newcomer.press("⭐⭐⭐⭐")
    await newcomer.expect(t("🙏 Thank you for answering!", "en").split("!")[0])
    assert await answers(db, poll.id) == [(0b01000, "en", "backa_bibliotek")]

    # A broken or unknown link gets a clear answer, not silence.
    newcomer.send("/start poll-99999")
    await newcomer.expect(t("I could not find that poll. Here are the open ones: /polls", "en"))


async def test_multiple_choice_is_ticked_then_sent_and_counts_options(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 5401, "en", "English")
    poll = await make_poll(db, clock, kind=polls.MULTIPLE)
    resident.send(f"/start poll-{poll.id}")
    await resident.expect(t("Choose one or more answers, then tap “Send”.", "en"))
    answer = await resident.press(t("📨 Send", "en"))
    assert answer["text"] == t("Tick at least one answer first.", "en")
    await resident.press("Play music")
    await resident.press("Homework help")
    assert await answers(db, poll.id) == []  # ticking is not answering
    await resident.press(t("📨 Send", "en"))
    await resident.expect(t("🙏 Thank you for answering!", "en").split("!")[0])
    assert await answers(db, poll.id) == [(0b101, "en", polls.FROM_LINK)]


async def test_comment_is_masked_and_stored_without_a_link_to_its_writer(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 5501, "en", "English")
    poll = await make_poll(db, clock, comment=True)
    resident.send(f"/start poll-{poll.id}")
    await resident.expect("What do you want to do")
    await resident.press("Cook")
    await resident.expect(t("💬 Do you want to add a comment?", "en").split("?")[0])
    resident.send("More cooking evenings please! Call me on 070-123 45 67 or anna@example.com")
    reply = await resident.expect(t("💬 Thank you, your comment is saved:", "en"))
    assert "070-123 45 67" not in reply.text and "anna@example.com" not in reply.text

    async def stored() -> list[str]:
        await db.rollback()
        return list(await db.scalars(select(PollComment.text).where(PollComment.poll_id == poll.id)))

    await eventually(stored, ["More cooking evenings please! Call me on [phone] or [e-mail]"])
    # The comment row has nothing that points to the person: no user id, pseudonym or time.
    assert set(PollComment.__table__.columns.keys()) == {"id", "poll_id", "language", "text"}
    assert set(PollAnswer.__table__.columns.keys()) == {"poll_id", "pseudonym", "choices", "area", "language",
                                                        "source"}


async def test_a_command_a_button_or_a_late_message_is_not_taken_as_the_comment(
        app, db, clock, resident_factory) -> None:  # noqa: ANN001
    poll = await make_poll(db, clock, comment=True, options=[{"sv": "Ja", "en": "Yes"}, {"sv": "Nej", "en": "No"},
                                                             {"sv": "Vet inte", "en": "Not sure"}])
    comment_saved = t("💬 Thank you, your comment is saved:", "en")

    async def asked_for_a_comment(user_id: int) -> Resident:
        resident = await onboarded(resident_factory, user_id, "en", "English")
        resident.send(f"/start poll-{poll.id}")
        await resident.expect("What do you want to do")
        await resident.press("Yes")
        await resident.expect(t("💬 Do you want to add a comment?", "en").split("?")[0])
        return resident

    by_command = await asked_for_a_comment(5502)
    by_command.send("/help")
    await by_command.expect(t("You can also just write your question in your own words, in your own language.",
                              "en"))
    by_command.send("Where is the library?")  # after a command, a question is a question again
    assert comment_saved not in (await by_command.expect()).text

    by_button = await asked_for_a_comment(5503)
    await by_button.press("No")  # another button: handled (and answered once), and the step is over
    await by_button.expect(t("✏️ Your answer is changed. Thank you!", "en"))
    by_button.send("Where is the library?")
    assert comment_saved not in (await by_button.expect()).text

    late = await asked_for_a_comment(5504)
    clock.advance(minutes=31)
    late.send("Where is the library?")  # half an hour later: not the comment either
    assert comment_saved not in (await late.expect()).text
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(PollComment)) == 0


async def test_polls_wait_for_the_language_choice_that_is_the_consent(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    poll = await make_poll(db, clock)
    newcomer = resident_factory(5505, language_code="en")
    newcomer.send("/polls")  # before choosing a language: the welcome and the privacy notice, not the poll
    welcome = await newcomer.expect(t(CHOOSE, "en"))
    assert "What do you want to do" not in welcome.text
    forged = PollCallback(poll=poll.id, op=VOTE, option=0).pack()  # an answer button, as an old invitation has
    await newcomer.press_data(welcome.message_id, forged)
    await newcomer.expect()
    assert await answers(db, poll.id) == [], "no answer is stored before the consent"
    await newcomer.press("English")
    await newcomer.expect()
    await newcomer.expect()
    newcomer.send("/polls")
    listing = await newcomer.expect()
    assert "What do you want to do at the youth centre?" in str(listing.inline_buttons())


async def test_only_invited_residents_who_have_not_answered_get_the_one_reminder(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    answered = await onboarded(resident_factory, 5601, "en", "English")
    silent = await onboarded(resident_factory, 5602, "en", "English")
    await make_poll(db, clock, remind_after=24)
    await invite(app)
    await answered.expect("What do you want to do", timeout=10)
    await silent.expect("What do you want to do", timeout=10)
    await answered.press("Cook")
    await answered.expect(t("🙏 Thank you for answering!", "en").split("!")[0])
    clock.advance(hours=12)
    await invite(app)
    await silent.expect_silence(0.5)  # not yet
    clock.advance(hours=13)
    await invite(app)
    await silent.expect(t("⏰ Reminder: there is still time to answer this poll.", "en"), timeout=10)
    await answered.expect_silence(1.0)
    await invite(app)  # never twice
    await silent.expect_silence(1.0)


async def test_public_results_go_to_those_who_answered_when_the_poll_closes(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    # 11 answers, 6 yes and 5 no: no cell is small, so both are shown (suppression has its own tests).
    voters = [await onboarded(resident_factory, 5700 + n, "en", "English") for n in range(11)]
    bystander = await onboarded(resident_factory, 5799, "en", "English")
    member = await onboarded(resident_factory, 5798, "en", "English")
    await queries.grant_role(db, member.user_id, THEME_GROUP, clock.now(), scope=GROUP)
    await db.commit()
    poll = await make_poll(db, clock, public=True, audience=Audience(languages=frozenset({"fi"})), kind=polls.YESNO)
    for number, voter in enumerate(voters):
        voter.send(f"/start poll-{poll.id}")
        await voter.expect("What do you want to do")
        await voter.press(t("Yes", "en") if number < 6 else t("No", "en"))
        await voter.expect(t("🙏 Thank you for answering!", "en").split("!")[0])
    clock.advance(hours=48)
    await invite(app)
    for voter in voters:
        result = await voter.expect("What do you want to do", timeout=20)
        lines = {line.split(":")[0].strip("• "): line for line in result.text.splitlines() if ":" in line}
        assert "55" in lines[t("Yes", "en")] and "45" in lines[t("No", "en")]  # 6 and 5 of 11
    await member.expect(t("📊 The poll “{question}” has closed. Read the results with /results.", "en").format(
        question="What do you want to do at the youth centre?"), timeout=10)
    await bystander.expect_silence(0.5)


async def test_mydata_shows_own_poll_answers_and_forget_unlinks_them_but_keeps_the_count(
        app, db, clock, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 5801, "en", "English")
    poll = await make_poll(db, clock)
    resident.send(f"/start poll-{poll.id}")
    await resident.expect("What do you want to do")
    await resident.press("Homework help")
    await resident.expect(t("🙏 Thank you for answering!", "en").split("!")[0])
    resident.send("/mydata")
    shown = await resident.expect("poll_answers")
    assert "Homework help" in shown.text
    await resident.expect()  # the JSON file
    resident.send("/forget")
    await resident.expect()
    await resident.press(t("🗑 Yes, delete everything", "en"))
    await resident.expect()

    async def state() -> tuple[int, int | None]:
        await db.rollback()
        count = await db.scalar(select(func.count()).select_from(PollAnswer).where(PollAnswer.poll_id == poll.id))
        return count, await polls.answer_of(db, poll.id, polls.pseudonym(KEY, poll.id, resident.user_id))

    await eventually(state, (1, None))  # still counted, no longer traceable to the person


async def test_results_card_chart_and_csv_for_the_theme_group_hide_small_cells(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    member = await onboarded(resident_factory, 5901, "en", "English")
    await queries.grant_role(db, member.user_id, THEME_GROUP, clock.now(), scope=GROUP)
    await db.commit()
    outsider = await onboarded(resident_factory, 5902, "en", "English")
    poll = await make_poll(db, clock)
    # 12 answers: 9 "Play music", 3 "Cook" (a small cell), none "Homework help".
    for number in range(12):
        db.add(PollAnswer(poll_id=poll.id, pseudonym=f"p{number}", choices=0b001 if number < 9 else 0b010,
                          area="backa", language="en", source=polls.FROM_INVITATION))
    await db.commit()

    member.send("/results")
    await member.expect(t("Polls of your theme group. 🟢 open · ⏳ not open yet · 🔒 closed", "en"))
    await member.press("🟢 What do you want to do at the youth centre?")
    await member.expect(t("🔒 The results of “{question}” are shown when the poll closes", "en").split("{")[0])

    clock.advance(hours=48)
    await member.press("🟢 What do you want to do at the youth centre?")
    card = await member.expect("What do you want to do at the youth centre?")
    assert "<5" in card.text and "Play music" in card.text
    # "Cook" (3) is hidden, and so is "Homework help" (0): 12 − 9 would otherwise give "Cook" away.
    cook_line = next(line for line in card.text.splitlines() if "Cook" in line)
    assert "3" not in cook_line

    await member.press(t("📈 Chart", "en"))
    chart = await member.expect()
    assert isinstance(chart.photo, bytes) and chart.photo.startswith(b"\x89PNG")

    await member.press(t("📄 CSV for Excel", "en"))
    document = await member.expect()
    assert isinstance(document.document, bytes) and document.document.startswith(b"\xef\xbb\xbf")
    table = document.document.decode("utf-8-sig")
    assert "<5" in table and "Play music" in table
    assert not any(cell.strip() == "3" for row in csv.reader(io.StringIO(table), delimiter=";") for cell in row)

    # Someone outside the theme group: /results is an unknown command, and the card's button is stale.
    outsider.send("/results")
    reply = await outsider.expect()
    assert "Play music" not in reply.text


async def test_a_poster_place_name_needs_latin_letters_and_ends_up_in_the_link(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    member = await onboarded(resident_factory, 5950, "ar", "العربية")
    await queries.grant_role(db, member.user_id, THEME_GROUP, clock.now(), scope=GROUP)
    await db.commit()
    poll = await make_poll(db, clock)
    member.send("/results")
    await member.expect()
    await member.press("🟢 Vad vill du göra på fritidsgården?")  # no Arabic question: the Swedish one
    await member.expect()
    await member.press(t("🔗 Poster link and QR code", "ar"))
    await member.expect(t("Where will the poster hang? Write a short name, for example “Backa library”. "
                          "The results then show how many answered through that poster.", "ar"))
    member.send("مكتبة باكا")  # no Latin form: the tag would be empty
    await member.expect(t("Please write the place name with Latin letters (like a–z, å, ä, ö) or digits, "
                          "for example “Backa bibliotek”.", "ar"))
    member.send("Backa bibliotek")
    poster = await member.expect(f"?start=poll-{poll.id}-backa_bibliotek")
    assert isinstance(poster.photo, bytes) and poster.photo.startswith(b"\x89PNG")


async def test_you_said_we_did_reaches_everyone_who_answered_in_their_language(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    member = await onboarded(resident_factory, 6001, "en", "English")
    await queries.grant_role(db, member.user_id, THEME_GROUP, clock.now(), scope=GROUP)
    await db.commit()
    english = await onboarded(resident_factory, 6002, "en", "English")
    swedish = await onboarded(resident_factory, 6003, "sv", "Svenska")
    arabic = await onboarded(resident_factory, 6004, "ar", "العربية")
    bystander = await onboarded(resident_factory, 6005, "en", "English")
    poll = await make_poll(db, clock)
    for voter, label in ((english, "Cook"), (swedish, "Laga mat"), (arabic, "Laga mat")):
        voter.send(f"/start poll-{poll.id}")
        await voter.expect()
        await voter.press(label)
        await voter.expect()
    clock.advance(hours=48)
    await invite(app)  # closes the poll: the group is told
    await member.expect(timeout=10)
    member.send("/results")
    await member.expect()
    await member.press("🔒 What do you want to do at the youth centre?")
    await member.expect()
    await member.press(t("🗣 You said, we did", "en"))
    await member.expect()
    member.send("Ni ville laga mat: från januari har fritidsgården matlagning varje torsdag.")
    await member.expect()
    await member.press("➕ English")
    await member.expect()
    member.send("You wanted to cook: from January the youth centre cooks every Thursday.")
    await member.expect()
    await member.press(t("📨 Send", "en"))
    await member.expect(t("📨 Sending to {count} residents who answered.", "en").format(count=3))
    app.delivery.wake()
    await english.expect("You wanted to cook", timeout=10)
    await swedish.expect("Ni ville laga mat", timeout=10)
    ar = await arabic.expect("Ni ville laga mat", timeout=10)  # no Arabic version: Swedish with a note
    assert t("ℹ️ This message has not been translated into your language. Here it is in Swedish.", "ar") in ar.text
    await bystander.expect_silence(0.5)
    # Once only: the button is gone from a fresh card.
    member.send("/results")
    await member.expect()
    await member.press("🔒 What do you want to do at the youth centre?")
    card = await member.expect()
    assert t("🗣 You said, we did", "en") not in [b["text"] for b in card.inline_buttons()]


async def test_a_poll_only_the_admin_sees_is_not_listed_to_residents_outside_its_audience(
        app, db, clock, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 6101, "en", "English")
    await make_poll(db, clock, audience=Audience(areas=frozenset({"tuve"})))
    resident.send("/polls")
    await resident.expect(t("There are no open polls for you right now. When there is one, I will send it to you.",
                            "en"))


async def test_reach_is_counted_once_the_invitations_are_out_and_survives_the_outbox_purge(
        app, db, clock, emulator, resident_factory) -> None:  # noqa: ANN001
    invited = [await onboarded(resident_factory, 6200 + n, "en", "English") for n in range(3)]
    poll = await make_poll(db, clock)
    await invite(app)
    for resident in invited:
        await resident.expect("What do you want to do", timeout=10)

    async def counted() -> list[tuple[str, str, int]]:
        await app.jobs.tick()  # the delivery finishes on its own; the next tick counts it
        await db.rollback()
        return [tuple(row) for row in await db.execute(
            select(PollReach.language, PollReach.area, PollReach.sent).where(PollReach.poll_id == poll.id))]

    await eventually(counted, [("en", "", 3)])
    # The retention job purges delivery rows after 30 days; the count stays with the poll.
    await db.execute(delete(OutboxMessage))
    await db.commit()
    await db.refresh(stored := await db.get(Poll, poll.id))
    results = await poll_results.compute(db, stored, app.content.current.content)
    assert results.sent == 3
