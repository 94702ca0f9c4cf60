"""Text normalisation for matching: case, diacritics and Arabic-script letter variants folded away."""

import re
import unicodedata

# Arabic, Persian and Sorani keyboards produce different code points for "the same" letter.
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
        "ى": "ی", "ي": "ی", "ئ": "ی", "ێ": "ی",
        "ك": "ک",
        "ة": "ه", "ۀ": "ه", "ە": "ه", "ھ": "ه",
        "ؤ": "و", "ۆ": "و",
        "ڵ": "ل", "ڕ": "ر",
        "ـ": None,  # tatweel, a stretching stroke with no meaning
        "\u200c": " ",  # zero-width non-joiner: "پیش‌دبستانی" is also written "پیش دبستانی"
        "\u200f": None, "\u200e": None,  # direction marks
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LATIN_EXTRA = str.maketrans({"đ": "d", "ø": "o", "æ": "ae", "ß": "ss", "ł": "l"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """"Kärra bibliotek!" → "karra bibliotek"; "مكتبة" and "مکتبه" fold to one spelling."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_ARABIC_FOLD).translate(_DIGITS)
    text = text.translate(_LATIN_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", text).replace("_", " ").strip()


def words(text: str) -> list[str]:
    return normalise(text).split()
