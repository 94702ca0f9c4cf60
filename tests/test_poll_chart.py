"""Poll result charts (bot/poll_chart.py) and poll deep links and QR codes (bot/poll_links.py).

Charts are checked as a reader would see them: a PNG Telegram accepts, every letter drawn in all eight languages,
Arabic-script words joined and read right to left, the layout mirrored for RTL readers, and "<5" where a small
group is hidden. QR codes are decoded back to the link a phone would open.
"""

import io
import logging
import warnings

import pytest
import zxingcpp
from matplotlib import _text_helpers, font_manager
from PIL import Image

from bot import poll_chart, poll_links
from bot.poll_chart import RLM, SUPPRESSED, chart_figure, chart_png, chart_spec, display_text

# (language, right to left, question, options): real words, with the letters special to each language.
LANGUAGES = [
    ("sv", False, "Hur trygg känner du dig på kvällen?", ["Mycket trygg", "Ganska trygg", "Inte alls", "Vet ej"]),
    ("en", False, "How safe do you feel in the evening?", ["Very safe", "Quite safe", "Not at all", "Not sure"]),
    ("ar", True, "ما مدى شعورك بالأمان في المساء؟", ["نعم", "آمن إلى حد ما", "غير آمن كثيراً", "لا أعرف"]),
    ("so", False, "Sidee ayaad ugu dareentaa ammaan fiidkii?", ["Haa", "Xoogaa ammaan", "Maya", "Ma garanayo"]),
    ("fa", True, "شب‌ها چقدر احساس امنیت می‌کنید؟", ["بله", "نسبتاً امن", "خیر", "نمی‌دانم"]),
    ("bs", False, "Koliko se sigurno osjećate navečer?", ["Da", "Prilično sigurno", "Nimalo", "Ne znam, ćutim"]),
    ("ckb", True, "ئێواران چەند هەست بە ئاسایش دەکەیت؟", ["بەڵێ", "تا ڕادەیەک", "نەخێر", "نازانم، پێشنیارم هەیە"]),
    ("fi", False, "Tunnetko olosi turvalliseksi illalla?", ["Kyllä", "Melko turvalliseksi", "Ei lainkaan", "En tiedä"]),
]
RESULT = [(58, 47.2), (41, 33.3), (None, None), (21, 17.1)]


def bars_of(options: list[str]) -> list[tuple[str, int | None, float | None]]:
    return [(label, count, share) for label, (count, share) in zip(options, RESULT, strict=True)]


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def visual_glyphs(text: str) -> list[str]:
    """The glyphs matplotlib's layout engine draws for one line of text, left to right as they appear."""
    font = font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans")))
    font.set_size(12, 72)
    items = [item for item in _text_helpers.layout(text, font) if item.char not in (RLM, " ")]
    assert [item.x for item in items] == sorted(item.x for item in items), "glyphs come left to right"
    return [font.get_glyph_name(item.glyph_index) for item in items]


class _Captured:
    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.warnings: list[warnings.WarningMessage] = []

    def glyph_problems(self) -> list[str]:
        # Only font problems count: a fresh machine may also log that it builds matplotlib's font cache.
        messages = [str(w.message) for w in self.warnings] + [r.getMessage() for r in self.caplog.records]
        return [m for m in messages if "missing" in m.lower() or "findfont" in m.lower()]


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING)
    capture = _Captured(caplog)
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        capture.warnings = recorded
        yield capture


# --- the picture -----------------------------------------------------------------------------------------------


def test_a_chart_is_a_png_telegram_accepts():
    png = chart_png("Hur trygg känner du dig?", bars_of(LANGUAGES[0][3]), rtl=False, note="123 svar")

    image = open_png(png)
    assert image.format == "PNG"
    assert image.width == 1000
    assert 200 <= image.height <= 1000
    assert len(png) < 200_000


def test_more_options_make_a_taller_chart_that_stays_small():
    few = open_png(chart_png("Fråga", [("Ett", 10, 50.0), ("Två", 10, 50.0)], rtl=False))
    many_png = chart_png("Fråga " * 30, [(f"Alternativ {i} med en lång text som inte får plats på en rad " * 2,
                                          i * 7, i * 1.2) for i in range(12)], rtl=False, note="n " * 100)
    many = open_png(many_png)

    assert many.height > few.height + 400
    assert many.width == 1000
    assert len(many_png) < 200_000


@pytest.mark.parametrize(("language", "rtl", "question", "options"), LANGUAGES, ids=[lang[0] for lang in LANGUAGES])
def test_every_letter_of_every_language_has_a_glyph(captured, language, rtl, question, options):
    png = chart_png(question, bars_of(options), rtl=rtl, note="123 · <5")

    assert open_png(png).width == 1000
    assert captured.glyph_problems() == [], language


def test_the_glyph_check_would_notice_a_missing_glyph(captured):
    """The capture above is not blind: a character DejaVu Sans lacks, drawn raw, is reported."""
    figure = chart_figure(chart_spec("x", [("x", 1, 100.0)], rtl=False))
    figure.text(0.5, 0.5, "👍", fontfamily="DejaVu Sans")
    figure.canvas.draw()

    assert captured.glyph_problems()


def test_characters_without_a_glyph_are_left_out_rather_than_drawn_as_boxes(captured):
    spec = chart_spec("Bra? 👍", [("Ja 👍", 5, 100.0)], rtl=False)
    chart_png("Bra? 👍", [("Ja 👍", 5, 100.0)], rtl=False)

    assert spec.title == "Bra?"
    assert spec.bars[0].label == "Ja"
    assert captured.glyph_problems() == []


def test_dollar_signs_in_staff_text_stay_text():
    # As TeX this would fail to parse (and raise while drawing); as text it is just shown.
    png = chart_png("Avgift $\\frac$?", [("$5 eller $\\frac$", 12, 100.0)], rtl=False)

    assert open_png(png).format == "PNG"


# --- right to left ---------------------------------------------------------------------------------------------


def test_arabic_is_joined_and_read_right_to_left():
    """نعم: noon (first letter) in its initial form on the right, meem (last) in its final form on the left."""
    text = display_text("نعم", rtl=True)

    assert text == RLM + "نعم"  # logical order; the layout engine shapes and reorders
    assert visual_glyphs(text) == ["uniFEE2", "uniFECC", "uniFEE7"]


def test_sorani_letters_without_presentation_forms_are_joined_too():
    """بەڵێ: ڵ and ێ have no presentation-form code points; the font's own joined forms must be used."""
    assert visual_glyphs(display_text("بەڵێ", rtl=True)) == ["uni06CE.fina", "uni06B5.init", "uni06D5.fina", "uniFE91"]


def test_text_is_not_reshaped_before_matplotlib_which_would_reverse_it_twice():
    spec = chart_spec(LANGUAGES[2][2], bars_of(LANGUAGES[2][3]), rtl=True, note="١٢٣ إجابة")
    texts = [spec.title, spec.note] + [bar.label for bar in spec.bars] + [bar.value for bar in spec.bars]

    presentation_forms = [char for text in texts for char in text if 0xFB50 <= ord(char) <= 0xFEFF]
    assert presentation_forms == []
    assert spec.bars[0].label == RLM + "نعم"


def test_pre_shaped_text_would_come_out_mirrored():
    """Why we do not use arabic-reshaper + python-bidi: their output for نعم (presentation forms, already in visual
    order) is reversed once more by matplotlib's layout engine, so the word would be drawn back to front."""
    reshaped_and_reordered = "\ufee2\ufecc\ufee7"  # what get_display(reshape("نعم")) returns

    assert visual_glyphs(reshaped_and_reordered) == ["uniFEE7", "uniFECC", "uniFEE2"]  # noon on the left: wrong


def test_a_latin_word_first_in_an_rtl_label_is_still_on_the_right():
    """"SFI کلاس" (an SFI class) in Persian: SFI is read first, so it stands on the right."""
    plain = visual_glyphs("SFI کلاس")
    marked = visual_glyphs(display_text("SFI کلاس", rtl=True))

    assert plain[:3] == ["S", "F", "I"]  # without the mark the line would run left to right
    assert marked[-3:] == ["S", "F", "I"]


def test_each_line_of_a_wrapped_rtl_label_reads_right_to_left():
    long_label = "لا أشعر بالأمان على الإطلاق، وأتجنب الخروج بعد حلول الظلام في الحي الذي أسكن فيه منذ سنوات"
    spec = chart_spec("؟", [(long_label, 21, 100.0)], rtl=True)

    lines = spec.bars[0].label.split("\n")
    assert len(lines) == poll_chart.LABEL_LINES
    assert all(line.startswith(RLM) for line in lines)
    assert lines[0] == RLM + "لا أشعر بالأمان على الإطلاق،"  # the start of the sentence comes first
    assert lines[-1].endswith("…")  # shortened at its end, which an RTL reader finds on the left


def test_rtl_layout_is_mirrored():
    language, rtl, question, options = LANGUAGES[6]  # Sorani
    figure = chart_figure(chart_spec(question, bars_of(options), rtl=rtl))
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    axes = figure.axes[0]
    plot = axes.get_window_extent(renderer)
    labels = [label.get_window_extent(renderer) for label in axes.get_yticklabels() if label.get_visible()]
    bars = [patch.get_window_extent(renderer) for patch in axes.patches]
    title = figure._suptitle.get_window_extent(renderer)

    assert all(box.x0 >= plot.x1 for box in labels), "labels on the right of the bars"
    drawn = [box for box in bars if box.width > 1]
    assert all(abs(box.x1 - plot.x1) < 1 for box in drawn), "bars start at the right …"
    assert all(box.x0 < plot.x1 - 100 for box in drawn), "… and grow leftwards"
    assert title.x1 > figure.bbox.width * 0.95 and title.x0 > figure.bbox.width * 0.3, "title at the right"


def test_ltr_layout_has_labels_on_the_left_and_bars_growing_rightwards():
    figure = chart_figure(chart_spec("Hur trygg?", bars_of(LANGUAGES[0][3]), rtl=False))
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    axes = figure.axes[0]
    plot = axes.get_window_extent(renderer)

    assert all(label.get_window_extent(renderer).x1 <= plot.x0 for label in axes.get_yticklabels())
    assert all(abs(patch.get_window_extent(renderer).x0 - plot.x0) < 1 for patch in axes.patches)
    assert figure._suptitle.get_window_extent(renderer).x0 < figure.bbox.width * 0.05


# --- what the bars say -----------------------------------------------------------------------------------------


def test_a_hidden_group_shows_less_than_five_and_no_bar():
    spec = chart_spec("Hur trygg?", bars_of(LANGUAGES[0][3]), rtl=False)

    hidden = spec.bars[2]
    assert hidden.value == SUPPRESSED == "<5"
    assert hidden.suppressed and hidden.length == 0
    assert [bar.value for bar in spec.bars] == ["58 · 47%", "41 · 33%", "<5", "21 · 17%"]
    assert [bar.length for bar in spec.bars] == [47.2, 33.3, 0.0, 17.1]


def test_a_hidden_group_in_an_rtl_chart_shows_less_than_five_too():
    spec = chart_spec(LANGUAGES[6][2], bars_of(LANGUAGES[6][3]), rtl=True)

    assert spec.bars[2].value == RLM + "<5"
    assert spec.bars[2].suppressed


def test_the_drawn_chart_has_no_bar_for_a_hidden_group():
    figure = chart_figure(chart_spec("Hur trygg?", bars_of(LANGUAGES[0][3]), rtl=False))
    axes = figure.axes[0]

    assert [round(patch.get_width(), 1) for patch in axes.patches] == [47.2, 33.3, 0.0, 17.1]
    assert "<5" in [text.get_text() for text in axes.texts]


def test_counts_without_shares_become_shares_of_the_visible_answers():
    spec = chart_spec("Fråga", [("Ja", 30, None), ("Nej", 10, None), ("Kanske", None, None)], rtl=False)

    assert [bar.length for bar in spec.bars] == [75.0, 25.0, 0.0]
    assert [bar.value for bar in spec.bars] == ["30", "10", "<5"]


def test_long_labels_and_titles_are_wrapped_and_shortened():
    spec = chart_spec("Fråga " * 40, [("Ett mycket långt svarsalternativ " * 5, 3, 100.0)], rtl=False)

    label_lines = spec.bars[0].label.split("\n")
    title_lines = spec.title.split("\n")
    assert len(label_lines) == 2 and all(len(line) <= poll_chart.LABEL_WIDTH for line in label_lines)
    assert label_lines[0] == "Ett mycket långt"
    assert label_lines[-1].endswith("…")
    assert len(title_lines) == 3 and title_lines[-1].endswith("…")


# --- deep links ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "tag"), [
    ("Backa bibliotek", "backa_bibliotek"),
    ("Fritidsgård Tuve", "fritidsgard_tuve"),
    ("Kärra-Rödbo, affisch #2!", "karra_rodbo_affisch_2"),
    ("Đurđevac Ærø Straße", "durdevac_aero_strasse"),
    ("مكتبة باكا", ""),  # nothing Latin to keep: a link without a source
    ("", ""),
])
def test_a_source_is_folded_to_a_tag(source, tag):
    assert poll_links.normalise_source(source) == tag


@pytest.mark.parametrize(("poll_id", "source", "payload"), [
    (12, "", "poll-12"),
    (12, "Backa bibliotek", "poll-12-backa_bibliotek"),
    (7, "Fritidsgård Tuve", "poll-7-fritidsgard_tuve"),
    (poll_links.MAX_POLL_ID, "Skälltorp " * 10, "poll-2147483647-skalltorp_skalltorp_skalltorp_sk"),
])
def test_payloads_round_trip(poll_id, source, payload):
    made = poll_links.start_payload(poll_id, source)

    assert made == payload
    assert poll_links.parse_payload(made) == (poll_id, poll_links.normalise_source(source))


def test_payloads_are_what_telegram_accepts():
    worst = poll_links.start_payload(poll_links.MAX_POLL_ID, "Å Ä Ö å ä ö — " * 20 + "x" * 80)

    assert len(worst) <= 64
    assert set(worst) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@pytest.mark.parametrize("payload", [
    "", "poll", "poll-", "poll-x", "poll-0", "poll-01", "poll--1", "poll-1-", "poll-1-<b>", "poll-1-Backa",
    "poll-1-a-b", "poll-1-__", "poll-2147483648", "poll-99999999999999999999", "POLL-1", " poll-1",
    "poll-1-" + "a" * 33, "poll-1" + "a" * 100, "x" * 100, "invite-code-abc",
])
def test_malformed_payloads_are_ignored(payload):
    assert poll_links.parse_payload(payload) is None


def test_a_bad_poll_id_makes_no_link():
    with pytest.raises(ValueError):
        poll_links.start_payload(0)
    with pytest.raises(ValueError):
        poll_links.start_payload(poll_links.MAX_POLL_ID + 1)


def test_deep_link():
    assert poll_links.deep_link("NorraHisingenBot", 12, "Backa bibliotek") == \
        "https://t.me/NorraHisingenBot?start=poll-12-backa_bibliotek"
    assert poll_links.deep_link("@NorraHisingenBot", 12) == "https://t.me/NorraHisingenBot?start=poll-12"


def test_the_qr_code_scans_back_to_the_link():
    url = poll_links.deep_link("NorraHisingenBot", 2147483647, "Fritidsgård Tuve")
    image = open_png(poll_links.qr_png(url))

    assert image.format == "PNG"
    assert image.width == image.height >= 250  # 10 pixels a module: sharp when printed on a poster
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [url]
    # The quiet zone: a white border of four modules (40 px) all round.
    corner = image.convert("L").crop((0, 0, 40, image.height))
    assert corner.getextrema() == (255, 255)
