"""Masking personal details in free text before it is stored (unanswered questions, poll comments).

What is masked: e-mail addresses, Swedish personal identity numbers (personnummer and samordningsnummer,
with or without century and separator), phone numbers, any other run of six or more digits, and a name
after phrases such as "I am", "my name is", "jag heter". Masking errs on the side of hiding too much.
"""

import re

EMAIL = "[e-mail]"
PERSONAL_NUMBER = "[personal number]"
PHONE = "[phone]"
DIGITS = "[number]"
NAME = "[name]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# YYMMDD-XXXX, YYYYMMDDXXXX, YYMMDD+XXXX (over 100); the day may be +60 (samordningsnummer).
_PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:19|20)?\d{2}[01]\d[0-9]\d[-+ ]?\d{4}(?!\d)")
# +46 70 123 45 67, 070-123 45 67, 031-365 00 00, 0046 …: digits with spaces, dashes, dots or brackets.
# Swedish numbers start with 0, others with +; dates and times ("2026-12-03", "10.00-12.00") do not.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d|0)[\d ()./-]{5,}\d(?!\w)")
_LONG_DIGITS = re.compile(r"\d{6,}")
# Eastern Arabic and Persian digits are folded to ASCII before matching (and kept folded in what is stored).
_DIGIT_FOLD = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Phrases after which people give their name, in the launch languages. "I am"/"I'm" is so often followed
# by other words ("I am looking for …") that only a capitalised word after it counts as a name.
_NAME_ALWAYS = [
    r"my name is", r"i am called", r"jag heter", r"mitt namn är", r"magacaygu waa", r"magacayga waa",
    r"zovem se", r"moje ime je", r"ime mi je", r"nimeni on", r"olen nimeltäni", r"اسمي", r"إسمي",
    r"اسم من", r"اسمم", r"ناوم", r"ناوی من",
]
_NAME_IF_CAPITALISED = [r"i am", r"i'm", r"im", r"jag är", r"this is", r"det är", r"minä olen", r"olen"]
_NAME_WORD = r"[^\W\d_][\w'’-]*"
_CAPITALISED = r"[A-ZÅÄÖÉŠŽČĆĐ][\w'’-]*"
# The word after the phrase always; a second word only if capitalised ("Amina Hassan", not "Amina and …").
_NAME_ALWAYS_RE = re.compile(
    rf"((?i:\b(?:{'|'.join(_NAME_ALWAYS)}))\s*[:,]?\s+)({_NAME_WORD}(?:\s+{_CAPITALISED})?)", re.UNICODE)
_NAME_CAPITALISED_RE = re.compile(
    rf"(?i:\b(?:{'|'.join(_NAME_IF_CAPITALISED)})\s+)({_CAPITALISED}(?:\s+{_CAPITALISED})?)", re.UNICODE)


def mask(text: str) -> str:
    text = text.translate(_DIGIT_FOLD)
    text = _EMAIL.sub(EMAIL, text)
    text = _PERSONAL_NUMBER.sub(PERSONAL_NUMBER, text)
    text = _PHONE.sub(lambda match: PHONE if sum(c.isdigit() for c in match.group()) >= 8 else match.group(), text)
    text = _LONG_DIGITS.sub(DIGITS, text)
    text = _NAME_ALWAYS_RE.sub(lambda match: match.group(1) + NAME, text)
    return _NAME_CAPITALISED_RE.sub(lambda match: match.group(0)[: match.start(1) - match.start(0)] + NAME, text)
