"""A poll's result as a horizontal bar chart (PNG), in the reader's language and writing direction.

Right-to-left text: matplotlib ≥ 3.11 lays text out with libraqm (HarfBuzz + FriBiDi), so it joins Arabic-script
letters and orders them right to left by itself. We hand it text in *logical* order and must NOT pre-shape it:
arabic-reshaper + python-bidi would be reversed a second time by libraqm (garbled mirror writing), and they cannot
join the Sorani letters ڵ ێ ە ڕ at all, which have no presentation-form code points. What we add for an RTL chart:
a right-to-left mark at the start of every line, so a label that starts with a Latin word or a number ("SFI کلاس")
still reads right to left, and a mirrored layout (labels on the right, bars growing leftwards, title right-aligned).

The font is DejaVu Sans as bundled with matplotlib: it covers Latin with all the diacritics of the launch languages
and Arabic script with the Persian and Sorani letters. Characters it has no glyph for (emoji) are dropped rather than
drawn as empty boxes.

Layout is computed by a pure function (`chart_spec`) that tests can inspect; `chart_png` only draws it. matplotlib
is imported inside the functions that need it so that bot start-up stays fast. Drawing uses the Agg canvas directly
(no pyplot, no global figure state); it takes some 100 ms of CPU, so async callers run it in a thread
(`asyncio.to_thread(chart_png, ...)`).
"""

import io
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_FAMILY = "DejaVu Sans"
SUPPRESSED = "<5"  # what a bar hidden for privacy shows in place of its count
WIDTH_PX = 1000
DPI = 100
RLM = "\u200f"  # right-to-left mark: makes a line's base direction right to left

LABEL_WIDTH = 30  # characters per line of an option's label …
LABEL_LINES = 2  # … and lines at most, then "…"
TITLE_WIDTH = 70
TITLE_LINES = 3
NOTE_WIDTH = 110

_BAR_COLOUR = "#1f6fb2"
_TEXT_COLOUR = "#222222"
_MUTED_COLOUR = "#6b6b6b"
# Explicit embeddings, overrides and isolates in staff-written text would take the direction out of our hands.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class BarSpec:
    label: str  # as handed to matplotlib: wrapped, shortened, with direction marks for RTL
    length: float  # in percent of the answers; 0 draws no bar
    value: str  # "12 · 34%", or SUPPRESSED
    suppressed: bool


@dataclass(frozen=True)
class ChartSpec:
    title: str
    bars: list[BarSpec]
    note: str
    rtl: bool
    height_px: int


@cache
def _font_path() -> str:
    from matplotlib import font_manager

    return font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False)


@cache
def _covered() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(_font_path()).get_charmap())


def _drawable(char: str) -> bool:
    # Format characters (ZWNJ in Persian "می‌خواهم", direction marks) are handled by the layout engine, not drawn.
    return ord(char) in _covered() or unicodedata.category(char) == "Cf" or char == "\n"


def clean(text: str) -> str:
    """Text as the font can draw it: bidi controls and characters without a glyph removed, white space folded."""
    text = _BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", text))
    text = "".join(char for char in text if _drawable(char))
    return " ".join(text.split())


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """Lines of at most `width` characters in logical (reading) order; what does not fit ends in "…"."""
    lines = textwrap.wrap(text, width=width) or [""]
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = textwrap.shorten(kept[-1] + " " + lines[max_lines], width=width - 1, placeholder="") + "…"
    return kept


def display_text(text: str, rtl: bool) -> str:
    """One line or several ("\\n") as handed to matplotlib: logical order, each line led by an RLM when RTL.

    Shaping and reordering are left to matplotlib's layout engine (see the module docstring)."""
    if not rtl:
        return text
    return "\n".join(RLM + line for line in text.split("\n"))


def _value_text(count: int, share: float | None) -> str:
    return f"{count}" if share is None else f"{count} · {share:.0f}%"


def chart_spec(title: str, bars: list[tuple[str, int | str | None, float | None]], *, rtl: bool,
               note: str = "") -> ChartSpec:
    """Everything `chart_png` draws, decided without drawing: texts, bar lengths and the picture's height."""
    visible_total = sum(count for _, count, _ in bars if isinstance(count, int))
    specs = []
    label_lines = 0
    for label, count, share in bars:
        lines = wrap(clean(label), LABEL_WIDTH, LABEL_LINES)
        label_lines += len(lines)
        text = display_text("\n".join(lines), rtl)
        if not isinstance(count, int):  # hidden: None shows "<5", a string is the caller's own mark ("*")
            specs.append(BarSpec(text, 0.0, display_text(count or SUPPRESSED, rtl), suppressed=True))
            continue
        if share is None:  # a caller that gives only counts: share of the counts shown
            length = 100.0 * count / visible_total if visible_total else 0.0
        else:
            length = float(share)
        specs.append(BarSpec(text, max(length, 0.0), display_text(_value_text(count, share), rtl), suppressed=False))
    title_lines = wrap(clean(title), TITLE_WIDTH, TITLE_LINES)
    note_text = wrap(clean(note), NOTE_WIDTH, 1)[0] if note.strip() else ""
    # Header and footer, then a row per bar that grows with the lines of its label.
    height = 70 + 30 * len(title_lines) + (30 if note_text else 0)
    height += sum(30 + 22 * text.count("\n") for text in (bar.label for bar in specs)) + 14 * max(len(specs), 1)
    height = max(height, 220)
    return ChartSpec(display_text("\n".join(title_lines), rtl), specs, display_text(note_text, rtl), rtl, height)


def chart_png(title: str, bars: list[tuple[str, int | str | None, float | None]], *, rtl: bool,
              note: str = "") -> bytes:
    """A PNG of one poll's result: a bar per option with its count and share; hidden (suppressed) cells show "<5".

    `bars` are (label, count, or when hidden None or the mark to show, share in percent or None when hidden), texts
    already translated."""
    figure = chart_figure(chart_spec(title, bars, rtl=rtl, note=note))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return _to_palette(buffer.getvalue())


def chart_figure(spec: ChartSpec) -> "Figure":
    """The drawn chart, on an Agg canvas of its own (no pyplot: no global state shared between threads)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, spec.height_px / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    # Where the reader starts: the right edge for RTL, the left edge otherwise.
    start, align = (0.99, "right") if spec.rtl else (0.01, "left")
    # parse_math=False everywhere: a "$" in staff text must not turn the rest into TeX formulas.
    figure.suptitle(spec.title, x=start, ha=align, multialignment=align, fontsize=16, fontweight="bold",
                    color=_TEXT_COLOUR, parse_math=False, fontfamily=FONT_FAMILY)
    if spec.note:
        figure.supxlabel(spec.note, x=start, ha=align, fontsize=10, color=_MUTED_COLOUR, parse_math=False,
                         fontfamily=FONT_FAMILY)

    axes = figure.add_subplot()
    positions = list(range(len(spec.bars)))
    lengths = [bar.length for bar in spec.bars]
    axes.barh(positions, lengths, height=0.62, color=_BAR_COLOUR)
    # Labels sit against the bars; their lines start where the reader starts reading.
    axes.set_yticks(positions, [bar.label for bar in spec.bars], fontsize=13, color=_TEXT_COLOUR,
                    parse_math=False, multialignment=align, fontfamily=FONT_FAMILY)
    axes.set_ylim(max(len(spec.bars), 1) - 0.5, -0.5)  # the first option on top
    span = max(max(lengths, default=0.0) * 1.28, 10.0)  # room after the longest bar for its figures
    axes.set_xlim(0, span)
    for position, bar in zip(positions, spec.bars, strict=True):
        # The figures follow the end of the bar in reading direction (leftwards for RTL: the axis is inverted).
        axes.text(bar.length + span * 0.01, position, bar.value, va="center", ha=align, fontsize=12,
                  color=_MUTED_COLOUR if bar.suppressed else _TEXT_COLOUR, parse_math=False, fontfamily=FONT_FAMILY)
    if spec.rtl:
        axes.invert_xaxis()  # bars grow leftwards from the labels on the right
        axes.yaxis.tick_right()
    axes.xaxis.set_visible(False)
    axes.tick_params(axis="y", length=0, pad=8)
    for side in ("top", "bottom", "left", "right"):
        axes.spines[side].set_visible(side == ("right" if spec.rtl else "left"))
    axes.spines["right" if spec.rtl else "left"].set_color("#bbbbbb")
    return figure


def _to_palette(png: bytes) -> bytes:
    """Few colours, so an 8-bit palette keeps the file a fraction of the size of full RGBA."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue()
