"""Which launch language a short question is written in: script first, then telltale words and letters."""

import re
import unicodedata

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_SORANI_ONLY = set("ەێۆڵڕڤ")
_PERSIAN_LETTERS = set("پچژگیک")  # shared with Sorani, absent from Arabic
_ARABIC_ONLY = set("ةيكىأإ")

# Short, frequent words that mark a language (questions residents write, not literature).
_STOPWORDS = {
    "sv": "och jag är hur var vad för till mitt min mina det som kan har på om med inte vill finns öppet när "
          "vart vilken vilka mig dig ska måste behöver får ni vi barnet barn hjälp söka ansöka nära idag imorgon",
    "en": "the is how where what my to for can do a an of and open when i want need get is there near me "
          "help apply find who which child today tomorrow does are",
    "so": "waa maxaa sidee xagee iyo ku ka ma aan ayaa ilmaha caruurta miyaa meeshee goorma la u sida aniga "
          "waxaan waxaa rabaa caawimaad halkee maanta berri furan yahay tahay ii",
    "bs": "je kako gdje gde šta što da li moj moja moje za i u na se mogu dijete dete kada ima otvoreno hoću "
          "trebam treba pomoć gdje danas sutra koji koja kod",
    "fi": "on miten missä mitä ja minun voin lapsi kun onko auki haluan tarvitsen mihin kuinka mistä saan ei "
          "apua hakea lähellä tänään huomenna mikä kuka",
}
_WORDS = {code: set(words.split()) for code, words in _STOPWORDS.items()}
_LETTER_CUES = {"sv": "å", "bs": "čćšžđ", "fi": "", "so": "", "en": ""}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect(text: str) -> str | None:
    """A launch-language code when the text clearly shows one, else None (let the caller decide)."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return None
    arabic = [char for char in letters if _ARABIC_SCRIPT.match(char)]
    if len(arabic) * 2 >= len(letters):
        return _arabic_script_language(set(arabic))
    return _latin_language(text)


def _arabic_script_language(letters: set[str]) -> str:
    if letters & _SORANI_ONLY:
        return "ckb"
    if letters & _PERSIAN_LETTERS and not letters & _ARABIC_ONLY:
        return "fa"
    return "ar"


def _latin_language(text: str) -> str | None:
    tokens = [unicodedata.normalize("NFC", token) for token in _TOKEN.findall(text.casefold())]
    scores = {code: sum(token in words for token in tokens) for code, words in _WORDS.items()}
    lowered = text.casefold()
    for code, cues in _LETTER_CUES.items():
        if any(char in lowered for char in cues):
            scores[code] += 2
    # Somali spelling: "x", "dh" and doubled vowels; Finnish: doubled vowels and "ä"/"ö" without "å".
    if re.search(r"(aa|ii|uu|oo)", lowered) and re.search(r"x|dh|\bw", lowered):
        scores["so"] += 1
    if re.search(r"[äö]", lowered) and "å" not in lowered and re.search(r"(aa|ää|ii|uu|yy|kk|tt|ss)", lowered):
        scores["fi"] += 1
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 1 and top > second else None
