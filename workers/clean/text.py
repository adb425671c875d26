"""Clean stage: text-level clean-up shared by HTML and .txt input → CleanDoc.

Output shape: one paragraph per line of input, paragraphs separated by one blank line ("\\n\\n"),
spaces collapsed inside a line, Unicode NFC, no direction controls (U+202A-202E, U+2066-2069), stacks of
combining marks cut to `max_combining_marks`. Boilerplate lines (photo credits, "Читайте также",
share prompts, trailing related-link blocks) are removed and listed in `removed_lines`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from workers.clean.language import guess_language
from workers.clean.simhash import simhash
from workers.dates import parse_ru_date
from workers.models import CleanDoc
from workers.safetext import cap_marks, strip_bidi
from workers.settings import Settings

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Photo/illustration credits: "Фото: ...", "фото пресс-службы ...", "Фото из открытых источников".
_CREDIT_WORD = (
    r"(?:фото|фотография|фотоколлаж|коллаж|иллюстрация|иллюстративное\s+фото|скриншот|видео|инфографика|"
    r"photo|image|источник\s+фото)"
)
# A dash only counts with spaces around it: "Видео-трансляция ..." starts a sentence, not a credit.
_CREDIT_SEP = re.compile(rf"^{_CREDIT_WORD}(?:\s*(?::|/|©|\|)|\s+[—–-]\s)", re.IGNORECASE)
_CREDIT_LEAD = re.compile(
    rf"^(?:©\s*)?{_CREDIT_WORD}\s+(?:пресс-служб|из\s+открытых\s+источников|из\s+архива|с\s+сайта|"
    r"предоставлен|автора|агентства|акорды|akorda|сайта|архив|reuters|ап|ria|риа|тасс|unsplash|"
    r"pixabay|shutterstock|getty|depositphotos|freepik|pexels|иллюстративное|носит\s+иллюстративный)",
    re.IGNORECASE,
)
_COPYRIGHT_LINE = re.compile(r"^©\s*\S.{0,80}$")
# Bylines and editor lines, possibly with a photo credit: "Автор: Имя Фамилия. Фото: ...",
# "[Ответственный редактор: ...]". Names here are not people the article is about.
_BYLINE = re.compile(
    r"^\[?\s*(?:автор|авторы|текст|корреспондент|(?:ответственный\s+|выпускающий\s+)?редактор|"
    r"author|editor|responsible\s+editor)\s*:\s*[^.!?\]]{1,80}\.?\s*(?:(?:фото|photo)\s*[:—–-].{0,80})?\]?$",
    re.IGNORECASE,
)
# Metadata lines: a timestamp followed by the source ("2026-09-16 14:45:00 | Источник: ...").
_META_LINE = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*[|·•,—–-]?\s*"
    r"(?:источник|source)\s*:.{0,120}$",
    re.IGNORECASE,
)

# Headers of related-link blocks.
_RELATED = re.compile(
    r"^(?:ещ[её]\s+по\s+теме|читайте\s+также|читайте\s+ещ[её]|смотрите\s+также|см\.\s+также|"
    r"свежее\s+из\s+(?:этой\s+)?рубрики|похожие\s+(?:новости|материалы|статьи)|новости\s+по\s+теме|"
    r"материалы\s+по\s+теме|другие\s+новости|последние\s+новости|по\s+теме|также\s+читайте|"
    r"рекомендуем(?:\s+прочитать)?|популярное|самое\s+читаемое|read\s+more|related(?:\s+news|\s+articles)?)"
    r"\s*[:.!]?",
    re.IGNORECASE,
)
_SOCIAL = (
    r"(?:facebook|twitter|telegram|whatsapp|вконтакте|vk|одноклассники|ok|instagram|x|youtube|tiktok|"
    r"weibo|wechat|viber|e-?mail|почта|мой\s+мир|livejournal|ссылкой)"
)
_CHANNEL = r"telegram|телеграм|соцсет|канал|instagram|инстаграм|whatsapp|вконтакте|facebook|youtube|tiktok|dzen|дзен"
# Prompts to share, subscribe or report typos.
_PROMPT = re.compile(
    rf"^(?:(?:поделиться|share(?:\s+this)?)(?:\s*:|\s+в)?(?:\s*[,|/]?\s*{_SOCIAL})*|tweet|подписаться|"
    r"подписывайтесь\s+на\s+.{0,80}|подпишитесь\s+на\s+.{0,80}|"
    # these two also start ordinary quoted appeals, so they must name a channel
    rf"(?:следите\s+за|присоединяйтесь\s+к)\s+.{{0,60}}(?:{_CHANNEL}).{{0,40}}|"
    r"читайте\s+нас\s+в\s+.{0,60}|"
    r"нашли\s+ошибку\??.{0,120}|если\s+вы\s+нашли\s+ошибку.{0,160}|"
    rf"{_SOCIAL}(?:\s*[,|/]?\s*{_SOCIAL})*|"
    r"теги\s*:.{0,200}|метки\s*:.{0,200}|реклама)\s*[.!]?$",
    re.IGNORECASE,
)
# A line in a trailing related-link block is a headline: short.
_HEADLINE_MAX_CHARS = 160
_TRAILING_BLOCK_MAX = 15
TITLE_MAX_CHARS = 300
# A dateline is a short line near the top that is mostly a date: "1 октября 2026 года", "12.11.2026 14:30".
DATELINE_MAX_CHARS = 40
DATELINE_SEARCH_LINES = 4


def normalise_lines(text: str, *, max_marks: int) -> list[str]:
    """NFC, no invisible, control or direction-control characters, no mark stacks, spaces collapsed; one entry
    per non-empty line. A right-to-left override inside a name ("То\u202eкаев") reached extracted persons
    and CSV output; "zalgo" marks by the hundred on one letter bloat every row that quotes it."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = cap_marks(strip_bidi(text), max_marks)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def is_credit(line: str) -> bool:
    if len(line) > 160:
        return False
    return bool(
        _CREDIT_SEP.match(line)
        or _CREDIT_LEAD.match(line)
        or _COPYRIGHT_LINE.match(line)
        or _BYLINE.match(line)
        or _META_LINE.match(line)
    )


def is_prompt(line: str) -> bool:
    return len(line) <= 250 and bool(_PROMPT.match(line))


def is_related_header(line: str) -> bool:
    m = _RELATED.match(line)
    if m is None:
        return False
    # Alone on its line, or followed by one linked headline ("Читайте также: ...").
    return m.end() == len(line) or (len(line) <= _HEADLINE_MAX_CHARS and line[m.end() - 1] in ":.")


def _headline_like(line: str) -> bool:
    # Linked headlines are short and do not end like a sentence.
    return len(line) <= _HEADLINE_MAX_CHARS and not line.endswith((".", ":", ";", ","))


def strip_boilerplate(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split lines into (kept, removed).

    A related-link header alone on its line, followed only by headline-like lines (at most
    _TRAILING_BLOCK_MAX of them), ends the article: header and block are removed together.
    Anywhere else a header (alone or with its one linked headline) is removed by itself.
    """
    keep: list[str] = []
    removed: list[str] = []
    for i, line in enumerate(lines):
        if is_related_header(line):
            rest = lines[i + 1 :]
            alone = _RELATED.fullmatch(line) is not None
            if (
                alone
                and len(rest) <= _TRAILING_BLOCK_MAX
                and all(_headline_like(r) or is_prompt(r) or is_credit(r) for r in rest)
            ):
                removed.extend(lines[i:])
                break
            removed.append(line)
        elif is_credit(line) or is_prompt(line):
            removed.append(line)
        else:
            keep.append(line)
    return keep, removed


def dateline_date(lines: list[str]) -> date | None:
    """Publication date from a dateline among the first lines, when plausible (1990 .. tomorrow)."""
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    for line in lines[:DATELINE_SEARCH_LINES]:
        if len(line) <= DATELINE_MAX_CHARS:
            d = parse_ru_date(line)
            if d is not None and date(1990, 1, 1) <= d <= tomorrow:
                return d
    return None


def finish(
    lines: list[str],
    removed: list[str],
    *,
    max_chars: int,
    title: str | None,
    published: object = None,
    canonical_url: str | None = None,
    language_hint: str | None = None,
) -> CleanDoc:
    """Join kept lines into the final text (cut at `max_chars`) and compute hash, simhash and language."""
    text = "\n\n".join(lines)
    limit = max_chars
    if len(text) > limit:
        cut = text.rfind("\n\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        removed = [*removed, f"[truncated {len(text) - cut} chars over max_text_chars]"]
        text = text[:cut].rstrip()
    return CleanDoc(
        text=text,
        title=title,
        published=published if isinstance(published, date) else None,
        language=guess_language(text) or language_hint,
        canonical_url=canonical_url,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        simhash=simhash(text),
        removed_lines=tuple(removed),
    )


def clean_text(text: str, *, settings: Settings, title: str | None = None) -> CleanDoc:
    """Clean plain text; without a given title the first line (a headline) becomes the title."""
    marks = settings.max_combining_marks
    lines = normalise_lines(text, max_marks=marks)
    kept, removed = strip_boilerplate(lines)
    if title is None and kept and len(kept[0]) <= TITLE_MAX_CHARS:
        title = kept[0]
    elif title is not None:
        title = " ".join(normalise_lines(title, max_marks=marks)) or None
    return finish(kept, removed, max_chars=settings.max_text_chars, title=title, published=dateline_date(kept))
