"""Moodle GIFT import and export, written by hand to Moodle's own semantics.

The reference is Moodle's ``question/format/gift/format.php`` (class ``qformat_gift``), its
base class ``question/format.php`` (``qformat_default``: how a file is split into questions,
how grades are checked, what "Importing N questions" counts) and the question types'
``save_question_options`` (what else makes an import fail).  Comments below marked
"format.php" name the Moodle behaviour a rule copies.

The rule for problems: what Moodle refuses to import is a *problem* (``GiftError``, every one
reported as ``file:line: message``); what Moodle imports silently but is probably a mistake,
or what this project's bank format cannot keep, is a *warning*.  Import problems and warnings
are ``LocatedMessage``s: English text for the CLI and tests, translatable for the upload page.

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from trainer.domain.messages import N_, LocatedMessage, Message

__all__ = [
    "FORMATS",
    "QTYPES",
    "GiftAnswer",
    "GiftError",
    "GiftExport",
    "GiftImport",
    "GiftPair",
    "GiftQuestion",
    "bank_categories",
    "by_type_counts",
    "decode_gift",
    "export_gift",
    "parse_gift",
    "to_bank_questions",
]

#: Text formats a GIFT ``[tag]`` can name (format.php ``format_name_to_const``).
FORMATS: tuple[str, ...] = ("moodle", "html", "plain", "markdown")

#: Question types ``parse_gift`` produces (Moodle's ``match`` is called ``matching`` here).
QTYPES: tuple[str, ...] = (
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
)

# PHP's trim() strips exactly these; Python's str.strip() would also eat U+3000 and friends,
# which matter in Chinese text.
_PHP_WS = " \t\n\r\0\x0b"

# format.php escapedchar_pre/escapedchar_post swap escaped control characters for placeholders
# while the question is taken apart.  We use Unicode noncharacters (never valid in interchange)
# as one-character placeholders so positions, and so line numbers, stay exact.
_ESCAPABLE = ":#={}~"
_PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(_ESCAPABLE)}
_PLACEHOLDER_NL = chr(0xFDD0 + len(_ESCAPABLE))
_UNESCAPE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()} | {_PLACEHOLDER_NL: "\n"})
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")

# format.php readquestion: $giftanswerweightregex.
_WEIGHT_RE = re.compile(r"%-*([0-9]{1,2})\.?([0-9]*)%")
# PHP is_numeric() on an already trimmed string (no hex, no "inf", no "1_000").
_NUMERIC_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# format.php extract_idnumber_and_tags_from_comment.
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")
_TAG_OK = re.compile(r"[^\]<>`\x00-\x1f\x7f]+")
_HTML_TAG = re.compile(r"<[^>]*>")
_ID_OK = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# question_bank::fraction_options_full(): the only answer weights Moodle's import accepts
# (question/format.php importprocess -> match_grade_options(..., 'error'), tolerance 0.00001).
_RAW_FRACTIONS = (
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
)
_GRADES: tuple[float, ...] = (0.0, 1.0, *_RAW_FRACTIONS, *(-f for f in _RAW_FRACTIONS), -1.0)

# A warning given by two question types.
_NO_FULL_MARKS = N_("no answer is worth 100%, so no response gets full marks")
# A text whose format differs from its question's, by the kind of text (one whole sentence
# each, so that translators see it whole).
_MIXED_FORMAT = {
    "general feedback": N_(
        "the general feedback is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
    "answer": N_(
        "the answer is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
    "feedback": N_(
        "the feedback is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
    "subquestion": N_(
        "the subquestion is [%(format)s] but the question is [%(question_format)s]; "
        "trainer renders the whole question as %(question_format)s"
    ),
}


# --------------------------------------------------------------------------------------------
# Public data
# --------------------------------------------------------------------------------------------


class GiftError(ValueError):
    """Malformed GIFT: ``problems`` lists every problem found, each ``file:line: message``.

    The problems are ``LocatedMessage``s (plain English strings that can also be translated).
    """

    def __init__(self, problems: Sequence[LocatedMessage]) -> None:
        self.problems: list[LocatedMessage] = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class GiftAnswer:
    """One answer of a multichoice, short-answer or numerical question.

    ``fraction`` is Moodle's answer weight (-1.0…1.0, one of Moodle's grade values).  For
    numerical answers ``value``/``tolerance`` are what Moodle stores; a range ``{#min..max}``
    also keeps ``minimum``/``maximum``; ``any`` marks Moodle's ``*`` answer (matches every
    response), which ``~#feedback`` creates.
    """

    text: str
    fraction: float
    format: str = "moodle"
    feedback: str = ""
    feedback_format: str = "moodle"
    value: float | None = None
    tolerance: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    any: bool = False
    line: int = 0


@dataclass
class GiftPair:
    """One matching pair; an empty ``left`` is a distractor (an extra right-hand answer)."""

    left: str
    right: str
    left_format: str = "moodle"
    line: int = 0


@dataclass
class GiftQuestion:
    """One imported question, as Moodle's ``readquestion`` would build it.

    ``name`` is Moodle's question name (the ``::title::``, else made from the text);
    ``title`` is the explicit title only (``None`` without one).  ``category`` is the
    ``$CATEGORY:`` in force (``None`` before any).  ``line`` is the first non-comment line.
    """

    qtype: str
    name: str
    text: str
    format: str = "moodle"
    title: str | None = None
    general_feedback: str = ""
    general_feedback_format: str = "moodle"
    answers: list[GiftAnswer] = field(default_factory=list)
    pairs: list[GiftPair] = field(default_factory=list)
    single: bool | None = None
    correct_answer: bool | None = None
    feedback_true: str = ""
    feedback_true_format: str = "moodle"
    feedback_false: str = ""
    feedback_false_format: str = "moodle"
    missing_word: bool = False
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    idnumber: str | None = None
    line: int = 0


@dataclass
class GiftImport:
    """Result of :func:`parse_gift`.

    ``questions`` are what Moodle would import ("Importing N questions" is ``len(questions)``:
    descriptions count, ``$CATEGORY:`` switches do not); ``categories`` are the distinct
    categories in order of first appearance; ``warnings`` are ``file:line: message``
    (``LocatedMessage``s).
    """

    questions: list[GiftQuestion]
    categories: list[str]
    warnings: list[LocatedMessage]
    filename: str = "<gift>"


class GiftExport(NamedTuple):
    """Result of :func:`export_gift`: the GIFT text and ``id: message`` warnings."""

    text: str
    warnings: list[str]


# --------------------------------------------------------------------------------------------
# Source text that remembers line numbers
# --------------------------------------------------------------------------------------------


class _Src:
    """A piece of a question block; ``lines[i]`` is the source line of character ``s[i]``."""

    __slots__ = ("lines", "s", "where")

    def __init__(self, s: str, lines: list[int], where: int) -> None:
        self.s = s
        self.lines = lines
        self.where = where  # the line an empty piece is reported at

    def __len__(self) -> int:
        return len(self.s)

    def line_at(self, i: int) -> int:
        if not self.s:
            return self.where
        return self.lines[min(max(i, 0), len(self.s) - 1)]

    @property
    def line(self) -> int:
        return self.line_at(0)

    def cut(self, start: int, end: int | None = None) -> _Src:
        a, b, _ = slice(start, end).indices(len(self.s))
        b = max(a, b)
        return _Src(self.s[a:b], self.lines[a:b], self.line_at(a))

    def strip(self) -> _Src:
        left = len(self.s) - len(self.s.lstrip(_PHP_WS))
        right = len(self.s.rstrip(_PHP_WS))
        return self.cut(left, max(left, right))

    def find(self, sub: str, start: int = 0) -> int:
        return self.s.find(sub, start)

    def split(self, sep: str, maxsplit: int = -1) -> list[_Src]:
        parts: list[_Src] = []
        pos = 0
        while maxsplit < 0 or len(parts) < maxsplit:
            i = self.s.find(sep, pos)
            if i < 0:
                break
            parts.append(self.cut(pos, i))
            pos = i + len(sep)
        parts.append(self.cut(pos))
        return parts

    def replace(self, old: str, new: str) -> _Src:
        """Replace a single character; the new characters take the old one's line."""
        chars: list[str] = []
        lines: list[int] = []
        for ch, ln in zip(self.s, self.lines, strict=True):
            rep = new if ch == old else ch
            chars.append(rep)
            lines.extend([ln] * len(rep))
        return _Src("".join(chars), lines, self.where)

    def __add__(self, other: _Src) -> _Src:
        return _Src(self.s + other.s, self.lines + other.lines, self.where)

    def raw(self) -> str:
        """Escapes resolved, not trimmed (format.php escapedchar_post)."""
        return self.s.translate(_UNESCAPE)

    def text(self) -> str:
        """Escapes resolved, then trimmed, as parse_text_with_format does."""
        return self.raw().strip(_PHP_WS)


def _literal(s: str, line: int) -> _Src:
    return _Src(s, [line] * len(s), line)


def _escape(src: _Src) -> _Src:
    """format.php escapedchar_pre: ``\\\\`` is a backslash, ``\\x`` (x in ``:#={}~n``) a literal."""
    if "\\" not in src.s:
        return src
    out: list[str] = []
    lines: list[int] = []
    s = src.s
    i = 0
    while i < len(s):
        ch = s[i]
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if ch == "\\" and nxt and (nxt == "\\" or nxt == "n" or nxt in _PLACEHOLDER):
            out.append("\\" if nxt == "\\" else _PLACEHOLDER.get(nxt, _PLACEHOLDER_NL))
            lines.append(src.lines[i])
            i += 2
            continue
        out.append(ch)
        lines.append(src.lines[i])
        i += 1
    return _Src("".join(out), lines, src.where)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _php_empty(s: str) -> bool:
    # PHP empty(): "" and "0" are both empty.  format.php drops $answers[0] when it is empty,
    # and qformat_default::readquestions treats a line "0" as a blank line.
    return s in ("", "0")


def _is_numeric(s: str) -> bool:
    # 1e309 is no number a float holds: float() makes it Infinity, which JSON cannot store.
    return _NUMERIC_RE.fullmatch(s) is not None and math.isfinite(float(s))


def _snap_grade(fraction: float) -> float | None:
    """match_grade_options(..., 'error'): the canonical grade within 0.00001, else None."""
    for grade in _GRADES:
        if abs(fraction - grade) < 0.00001:
            return grade
    return None


def _nearest_grade(fraction: float) -> float:
    return min(_GRADES, key=lambda g: abs(fraction - g))


def _pct(fraction: float) -> str:
    """A weight as GIFT writes it: 0.3333333 -> '33.33333'."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(x: Any) -> str:
    """A number as GIFT writes it, exactly (repr round-trips a float)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise _Skip(f"{x!r} is not a number")
    value = float(x)
    if not math.isfinite(value):
        raise _Skip(f"{x!r} is not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _default_name(text: str) -> str:
    # qformat_default::create_default_question_name: shorten_text($questiontext, 80), else
    # get_string('questionname', 'question').
    plain = " ".join(_HTML_TAG.sub(" ", text).split())
    if len(plain) > 80:
        plain = plain[:77].rstrip() + "..."
    return plain or "Question name"


def _clean_name(name: str) -> str:
    # qformat_default::clean_question_name: clean_param(PARAM_TEXT) strips tags, then trim.
    return _HTML_TAG.sub("", name).strip(_PHP_WS)[:255]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-")


def _letters(n: int) -> str:
    """Option ids: a, b, …, z, aa, ab, …"""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


def decode_gift(data: bytes, filename: str = "<gift>") -> str:
    """Decode GIFT file bytes: UTF-8 only (Moodle's ``validate_is_utf8_file``), BOM dropped.

    Raises ``GiftError`` naming the line of the first byte that is not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = Message(
            N_("the file is not UTF-8 (byte %(byte)s); GIFT format files must use UTF-8"),
            {"byte": f"0x{data[exc.start]:02x}"},
        )
        raise GiftError([LocatedMessage(filename, line, message)]) from None
    return text.removeprefix("\ufeff")


def parse_gift(text: str, filename: str = "<gift>") -> GiftImport:
    """Parse GIFT text the way Moodle's ``qformat_gift`` imports it.

    Returns the questions, categories and warnings; raises ``GiftError`` listing every
    problem (``file:line: message``) when Moodle would refuse the file.
    """
    return _Parser(filename).run(text)


def by_type_counts(imp: GiftImport) -> dict[str, int]:
    """Number of imported questions per type; every type in ``QTYPES`` is present."""
    counts = dict.fromkeys(QTYPES, 0)
    for q in imp.questions:
        counts[q.qtype] += 1
    return counts


class _Parser:
    """One parse: collects questions, categories, warnings and problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.questions: list[GiftQuestion] = []
        self.categories: list[str] = []
        self.category: str | None = None
        self.warnings: list[LocatedMessage] = []
        self.problems: list[LocatedMessage] = []

    def warn(self, line: int, msgid: str, /, **params: Any) -> None:
        self.warnings.append(LocatedMessage(self.filename, line, Message(msgid, params)))

    def problem(self, line: int, msgid: str, /, **params: Any) -> None:
        self.problems.append(LocatedMessage(self.filename, line, Message(msgid, params)))

    # -- file level ---------------------------------------------------------------------------

    def run(self, text: str) -> GiftImport:
        text = text.removeprefix("\ufeff")  # qformat_default::readdata: trim_utf8_bom
        # readdata: a file with \r but no \n is an old Mac file; otherwise lines end at \n and
        # the trim() below removes the \r of Windows line endings.
        raw_lines = text.split("\r") if "\n" not in text and "\r" in text else text.split("\n")
        block: list[tuple[int, str]] = []
        for number, raw in enumerate(raw_lines, start=1):
            if _NONCHARACTERS.search(raw):
                self.problem(number, N_("the text contains a Unicode noncharacter (U+FDD0–U+FDEF)"))
                continue
            line = raw.strip(_PHP_WS)
            if line == "0":
                self.warn(
                    number,
                    N_(
                        "a line holding only '0' counts as a blank line in Moodle "
                        "(PHP empty()): it ends the question and is dropped"
                    ),
                )
            # readquestions: questions are separated by blank lines (comments do not separate).
            if _php_empty(line):
                if block:
                    self.read_block(block)
                    block = []
            else:
                block.append((number, line))
        if block:
            self.read_block(block)
        if not self.questions and not self.problems:
            if self.categories:
                self.warn(1, N_("no questions in the file, only categories"))
            else:
                self.problem(1, N_("there are no questions in the import file"))
        if self.problems:
            raise GiftError(self.problems)
        return GiftImport(self.questions, self.categories, self.warnings, self.filename)

    # -- one question (format.php readquestion) -----------------------------------------------

    def read_block(self, block: list[tuple[int, str]]) -> None:
        comments: list[str] = []
        chars: list[str] = []
        lines: list[int] = []
        for k, (number, line) in enumerate(block):
            content = line
            if line.startswith("//"):  # comment lines become ' ' (and feed tags/idnumber)
                comments.append(line)
                content = " "
            if k:
                chars.append("\n")
                lines.append(block[k - 1][0])
            chars.append(content)
            lines.extend([number] * len(content))
        src = _Src("".join(chars), lines, block[0][0]).strip()
        if not src:
            return  # only comments
        src = _escape(src)

        # $CATEGORY: switches the category; it is not a question.
        if src.s.startswith("$CATEGORY:"):
            self.read_category(src)
            return
        if src.s[:10].upper() == "$CATEGORY:":
            self.warn(
                src.line,
                N_(
                    "'%(keyword)s' is not a category switch (the keyword is "
                    "case-sensitive: $CATEGORY:); Moodle reads this as a question"
                ),
                keyword=src.s[:10],
            )

        q = GiftQuestion(
            qtype="description", name="", text="", line=src.line, category=self.category
        )
        q.idnumber, q.tags = _idnumber_and_tags("\n".join(comments))

        # ::title::
        if src.s.startswith("::"):
            src = src.cut(2)
            end = src.find("::")
            if end < 0:
                # Moodle drops the opening '::' and names the question from its text.
                self.warn(src.line, N_("the question title is not closed with '::'"))
            else:
                q.title = _clean_name(src.cut(0, end).raw())
                src = src.cut(end + 2).strip()

        # The answers are between the first '{' and the first '}'.
        start, finish = src.find("{"), src.find("}")
        description = start < 0 and finish < 0
        if description:
            qtext, answers = src, _literal("", src.line)
        elif start < 0:
            self.problem(
                src.line_at(finish), N_("could not find {...} around answers: '}' without '{'")
            )
            return
        elif finish < 0:
            self.problem(
                src.line_at(start), N_("could not find {...} around answers: '{' is never closed")
            )
            return
        elif finish < start:
            self.problem(
                src.line_at(finish),
                N_("could not find {...} around answers: '}' comes before '{'"),
            )
            return
        else:
            answers = src.cut(start + 1, finish).strip()
            if src.s.endswith("}"):
                qtext = src.cut(0, start) + src.cut(finish + 1)
            else:
                # Missing-word format: text after the answers -> a blank in the stem.
                q.missing_word = True
                qtext = src.cut(0, start) + _literal("_____", src.line_at(start))
                qtext = qtext + src.cut(finish + 1)
            stray = min((i for i in (qtext.find("{"), qtext.find("}")) if i >= 0), default=-1)
            if stray >= 0:
                self.warn(
                    qtext.line_at(stray),
                    N_(
                        "unescaped '{' or '}' in the question text: "
                        "Moodle reads only the first {...} as answers "
                        "and keeps the rest as text (write \\{ \\})"
                    ),
                )
            if "{" in answers.s:
                self.warn(
                    answers.line_at(answers.find("{")),
                    N_("unescaped '{' inside the answers (write \\{)"),
                )

        # General feedback: after the last '####' in the answers.
        gfpos = answers.s.rfind("####")
        gfeedback = None
        if gfpos >= 0:
            gfeedback = answers.cut(gfpos + 4)
            answers = answers.cut(0, gfpos).strip()

        q.text, q.format = self.text_format(qtext, "moodle")
        if gfeedback is not None:
            q.general_feedback, q.general_feedback_format = self.text_format(gfeedback, q.format)
            self.check_format(
                q,
                q.general_feedback,
                q.general_feedback_format,
                gfeedback.line,
                "general feedback",
            )
        else:
            q.general_feedback_format = q.format
        q.feedback_true_format = q.feedback_false_format = q.format
        q.name = q.title if q.title is not None else _default_name(q.text)

        q.qtype = self.qtype_of(description, answers)
        if not q.text:
            self.warn(q.line, N_("the question text is empty"))
        readers = {
            "numerical": self.read_numerical,
            "multichoice": self.read_multichoice,
            "matching": self.read_matching,
            "truefalse": self.read_truefalse,
            "shortanswer": self.read_shortanswer,
        }
        reader = readers.get(q.qtype)  # essays and descriptions have nothing more to read
        if reader is None or reader(q, answers):
            self.questions.append(q)

    def read_category(self, src: _Src) -> None:
        category = src.cut(10).text()
        if not category:
            self.warn(src.line, N_("empty $CATEGORY: ignored"))
            return
        if "\n" in category:
            # Moodle takes the whole block as the category name, so a question written right
            # under the $CATEGORY: line is swallowed into it.
            self.warn(
                src.line,
                N_(
                    "the text after the $CATEGORY: line is part of the category "
                    "name in Moodle (put a blank line after $CATEGORY:)"
                ),
            )
        self.category = category
        if category not in self.categories:
            self.categories.append(category)

    def qtype_of(self, description: bool, answers: _Src) -> str:
        a = answers.s
        if description:
            return "description"
        if a == "":
            return "essay"
        if a[0] == "#":
            return "numerical"
        if "~" in a:  # only multiple choice contains '~'
            return "multichoice"
        if "=" in a and "->" in a:  # only matching contains both
            return "matching"
        check = a
        if a.find("#") > 0:
            check = a[: a.find("#")].strip(_PHP_WS)
        if check in ("T", "TRUE", "F", "FALSE"):
            return "truefalse"
        if check.upper() in ("T", "TRUE", "F", "FALSE"):
            self.warn(
                answers.line,
                N_(
                    "'%(answer)s' makes a short-answer question: Moodle's "
                    "true/false keywords are case-sensitive (T, TRUE, F, FALSE)"
                ),
                answer=check.translate(_UNESCAPE),
            )
        return "shortanswer"

    # -- text pieces ------------------------------------------------------------------------

    def text_format(self, src: _Src, default: str) -> tuple[str, str]:
        """format.php parse_text_with_format: a leading ``[format]`` tag, then unescape + trim."""
        s = src.s
        if s.startswith("["):
            end = s.find("]")
            if end > 0:
                name = s[1:end]
                if name in FORMATS:
                    return src.cut(end + 1).text(), name
                if name.lower() in FORMATS:
                    self.warn(
                        src.line,
                        N_(
                            "'[%(tag)s]' is not a format tag (tags are lowercase, "
                            "[%(lowercase)s]); Moodle keeps it as text"
                        ),
                        tag=name,
                        lowercase=name.lower(),
                    )
        return src.text(), default

    def comment(self, src: _Src, default: str) -> tuple[str, str, str, str]:
        """format.php commentparser: text '#' feedback, each with its own format."""
        bits = src.split("#", 1)
        text, fmt = self.text_format(bits[0].strip(), default)
        if len(bits) > 1:
            feedback, fbfmt = self.text_format(bits[1].strip(), default)
        else:
            feedback, fbfmt = "", default
        return text, fmt, feedback, fbfmt

    def check_format(self, q: GiftQuestion, text: str, fmt: str, line: int, what: str) -> None:
        # The bank format has one `format` per question; Moodle keeps one per text.
        if text and fmt != q.format:
            self.warn(line, _MIXED_FORMAT[what], format=fmt, question_format=q.format)

    def weight(self, src: _Src) -> tuple[float | None, _Src]:
        """format.php answerweightparser + the import's grade check; src starts with %…%."""
        end = src.find("%", 1)
        inner = src.s[1:end]
        rest = src.cut(end + 1)
        if not _is_numeric(inner):  # e.g. %--50%: PHP 8 cannot divide it and the import dies
            self.problem(src.line, N_("bad answer weight '%(weight)s'"), weight=f"%{inner}%")
            return None, rest
        fraction = float(inner) / 100
        grade = _snap_grade(fraction)
        if grade is None:
            self.problem(
                src.line,
                N_("weight %(weight)s%% is not one of Moodle's grades (nearest: %(nearest)s%%)"),
                weight=inner,
                nearest=_pct(_nearest_grade(fraction)),
            )
        return grade, rest

    def leading_weight(self, p: _Src, default: float) -> tuple[float | None, _Src]:
        if _WEIGHT_RE.match(p.s):
            return self.weight(p)
        if p.s.startswith("%"):
            self.warn(
                p.line,
                N_(
                    "'%' at the start of the answer is not a weight (%50%, %-100%, "
                    "%33.33333%); Moodle keeps it as text"
                ),
            )
        return default, p

    # -- question types ---------------------------------------------------------------------

    def first_answer(self, pieces: list[_Src], bare: str | None = None) -> list[_Src]:
        """Drop an empty text before the first separator, as format.php does with $answers[0].

        ``bare`` is the warning (a msgid with ``%(answer)s``) for a non-empty leading text, or
        None when there is nothing to say.
        """
        first = pieces[0].strip()
        if _php_empty(first.s):
            return pieces[1:]
        if bare:
            self.warn(first.line, bare, answer=first.text())
        return [first, *pieces[1:]]

    def read_multichoice(self, q: GiftQuestion, answers: _Src) -> bool:
        # Multiple answers are enabled if no answer is marked '=' (format.php).
        q.single = "=" in answers.s
        # str_replace("=", "~=") then explode("~"): '~' ends an answer, '=' starts one.
        pieces = answers.replace("=", "~=").split("~")
        pieces = self.first_answer(
            pieces,
            N_("the answer '%(answer)s' has no '~' or '=' before it: Moodle reads it as wrong"),
        )
        if len(pieces) < 2:
            self.problem(answers.line, N_("not enough answers: multiple choice needs at least 2"))
            return False
        ok = True
        for piece in pieces:
            p = piece.strip()
            line = p.line
            if p.s.startswith("="):
                fraction: float | None = 1.0
                p = p.cut(1)
                if _WEIGHT_RE.match(p.s.lstrip(_PHP_WS)):
                    self.warn(
                        line,
                        N_(
                            "a weight after '=' is ignored in multiple choice ('=' is "
                            "always 100%; write ~%50%answer for partial credit)"
                        ),
                    )
            else:
                fraction, p = self.leading_weight(p, 0.0)
            text, fmt, feedback, fbfmt = self.comment(p, q.format)
            if fraction is None:
                ok = False
                continue
            if not text:
                # qtype_multichoice::save_question_options skips blank answers.
                self.warn(line, N_("an empty answer is ignored"))
                continue
            self.check_format(q, text, fmt, line, "answer")
            self.check_format(q, feedback, fbfmt, line, "feedback")
            q.answers.append(GiftAnswer(text, fraction, fmt, feedback, fbfmt, line=line))
        if not ok:
            return False
        if len(q.answers) < 2:
            # save_question_options: notenoughanswers is an error, the import stops.
            self.problem(answers.line, N_("multiple choice needs at least 2 non-empty answers"))
            return False
        fractions = [a.fraction for a in q.answers]
        if q.single:
            full = sum(f == 1.0 for f in fractions)
            if full == 0:
                # fractionsnomax is only a "noticeyesno", which the import ignores.
                self.warn(answers.line, _NO_FULL_MARKS)
            elif full > 1:
                self.warn(
                    answers.line,
                    N_("%(count)d answers are worth 100%%; any one of them gets full marks"),
                    count=full,
                )
        else:
            total = round(sum(f for f in fractions if f > 0), 2)
            if total != 1.0:
                self.warn(
                    answers.line,
                    N_(
                        "the positive weights add up to %(total)s%%, not "
                        "100%% (Moodle imports it anyway)"
                    ),
                    total=_pct(total),
                )
        return True

    def read_shortanswer(self, q: GiftQuestion, answers: _Src) -> bool:
        pieces = answers.split("=")
        lone_zero = pieces[0].strip().s == "0"
        pieces = self.first_answer(
            pieces, N_("the answer '%(answer)s' has no '=' before it: Moodle accepts it as correct")
        )
        if not pieces:
            if lone_zero:
                self.problem(
                    answers.line,
                    N_(
                        "not enough answers for a short-answer question "
                        "(Moodle drops a lone '0'; write {=0})"
                    ),
                )
            else:
                self.problem(answers.line, N_("not enough answers for a short-answer question"))
            return False
        ok = True
        for piece in pieces:
            p = piece.strip()
            fraction, p = self.leading_weight(p, 1.0)
            # The answer's own format tag is parsed and thrown away, as in Moodle.
            text, _fmt, feedback, fbfmt = self.comment(p, q.format)
            if fraction is None:
                ok = False
                continue
            if not text:
                self.warn(p.line, N_("an empty answer"))
            if "*" in text:
                self.warn(
                    p.line,
                    N_(
                        "'*' in the answer '%(answer)s' is a wildcard in Moodle; trainer compares "
                        "short answers ignoring punctuation, so there it is not a wildcard"
                    ),
                    answer=text,
                )
            self.check_format(q, feedback, fbfmt, p.line, "feedback")
            q.answers.append(GiftAnswer(text, fraction, q.format, feedback, fbfmt, line=p.line))
        if ok and max(a.fraction for a in q.answers) != 1.0:
            # qtype_shortanswer::save_question_options: fractionsnomax is an error.
            # Not "100% so" in the msgid: catalogue checks would take "% s" for a placeholder.
            self.problem(
                answers.line,
                N_("one of the answers must be worth %(full)s so that full marks are possible"),
                full="100%",
            )
            return False
        return ok

    def read_numerical(self, q: GiftQuestion, answers: _Src) -> bool:
        body = answers.cut(1)  # the leading '#'
        wrong: _Src | None = None
        tilde = body.find("~")
        if tilde >= 0:  # everything from the first '~' is the feedback for any other answer
            wrong, body = body.cut(tilde), body.cut(0, tilde)
        pieces = body.split("=")
        lone_zero = pieces[0].strip().s == "0"
        pieces = self.first_answer(pieces)
        if not pieces:
            if lone_zero:
                self.problem(
                    answers.line,
                    N_(
                        "no answers found for numerical question "
                        "(Moodle drops a lone '0' before the first '='; write {#=0})"
                    ),
                )
            else:
                self.problem(answers.line, N_("no answers found for numerical question"))
            return False
        ok = True
        for piece in pieces:
            p = piece.strip()
            line = p.line
            fraction, p = self.leading_weight(p, 1.0)
            text, _fmt, feedback, fbfmt = self.comment(p, q.format)
            answer = self.numeric_answer(text, line)
            if fraction is None or answer is None:
                ok = False
                continue
            answer.fraction = fraction
            answer.feedback, answer.feedback_format = feedback, fbfmt
            self.check_format(q, feedback, fbfmt, line, "feedback")
            q.answers.append(answer)
        if wrong is not None:
            head = wrong.split("#", 1)[0].cut(1).text()
            if head:
                self.warn(wrong.line, N_("'%(text)s' between '~' and '#' is ignored"), text=head)
            _text, _fmt, feedback, fbfmt = self.comment(wrong, q.format)
            self.check_format(q, feedback, fbfmt, wrong.line, "feedback")
            q.answers.append(
                GiftAnswer("*", 0.0, q.format, feedback, fbfmt, any=True, line=wrong.line)
            )
        if ok and not any(a.fraction == 1.0 for a in q.answers):
            self.warn(answers.line, _NO_FULL_MARKS)
        return ok

    def numeric_answer(self, text: str, line: int) -> GiftAnswer | None:
        """min..max, value:tolerance, value, or '*'; None (after a problem) if not numbers."""
        dots, colon = text.find(".."), text.find(":")
        if dots > 0:
            low, high = text[:dots].strip(_PHP_WS), text[dots + 2 :].strip(_PHP_WS)
            bad = [v for v in (low, high) if not _is_numeric(v)]
            if bad:
                self.problem(
                    line,
                    N_("not a number: '%(value)s' in the range '%(range)s'"),
                    value=bad[0],
                    range=text,
                )
                return None
            lo, hi = float(low), float(high)
            if lo > hi:
                self.warn(
                    line,
                    N_("the range %(range)s runs backwards; read as %(high)s..%(low)s"),
                    range=text,
                    high=high,
                    low=low,
                )
                lo, hi = hi, lo
            value = lo / 2 + hi / 2  # (lo + hi) / 2 overflows near the largest floats
            return GiftAnswer(
                text, 1.0, value=value, tolerance=hi - value, minimum=lo, maximum=hi, line=line
            )
        if colon > 0:
            value_text, tol_text = text[:colon].strip(_PHP_WS), text[colon + 1 :].strip(_PHP_WS)
        else:
            value_text, tol_text = text, "0"
        # Moodle's check `!(is_numeric($ans) || $ans = '*')` assigns instead of comparing, so
        # any non-number silently becomes '*' (matches everything).  We keep the intent: only a
        # real '*' is a wildcard, anything else that is not a number is refused.
        if value_text != "*" and not _is_numeric(value_text):
            self.problem(line, N_("not a number: '%(value)s'"), value=value_text)
            return None
        if not _is_numeric(tol_text):
            self.problem(line, N_("the tolerance is not a number: '%(value)s'"), value=tol_text)
            return None
        tolerance = float(tol_text)
        if tolerance < 0:
            # qtype_numerical_answer uses abs($tolerance).
            self.warn(
                line,
                N_("negative tolerance %(tolerance)s is read as %(absolute)s"),
                tolerance=tol_text,
                absolute=tol_text[1:],
            )
            tolerance = -tolerance
        if value_text == "*":
            return GiftAnswer("*", 1.0, any=True, tolerance=tolerance, line=line)
        return GiftAnswer(text, 1.0, value=float(value_text), tolerance=tolerance, line=line)

    def read_matching(self, q: GiftQuestion, answers: _Src) -> bool:
        pieces = self.first_answer(answers.split("="))
        if len(pieces) < 2:
            self.problem(answers.line, N_("not enough answers: matching needs at least 2 pairs"))
            return False
        ok = True
        for piece in pieces:
            p = piece.strip()
            arrow = p.find("->")
            if arrow < 0:
                self.problem(
                    p.line, N_("matching answer '=%(answer)s' has no '->'"), answer=p.text()
                )
                ok = False
                continue
            left, lfmt = self.text_format(p.cut(0, arrow), q.format)
            right = p.cut(arrow + 2).text()  # the right-hand side has no format of its own
            if not left and not right:
                self.warn(p.line, N_("an empty matching pair is ignored"))
                continue
            if left and not right:
                # save_question_options: nomatchinganswer is a notice that ends the import.
                self.problem(
                    p.line,
                    N_("the subquestion '%(subquestion)s' has no matching answer"),
                    subquestion=left,
                )
                ok = False
                continue
            self.check_format(q, left, lfmt, p.line, "subquestion")
            q.pairs.append(GiftPair(left, right, lfmt, p.line))
        if not ok:
            return False
        stems = sum(1 for pair in q.pairs if pair.left)
        if stems < 2 or len(q.pairs) < 3:
            self.warn(
                answers.line,
                N_(
                    "Moodle's editing form needs at least 2 subquestions and 3 "
                    "answers; this has %(subquestions)d and %(answers)d"
                ),
                subquestions=stems,
                answers=len(q.pairs),
            )
        return True

    def read_truefalse(self, q: GiftQuestion, answers: _Src) -> bool:
        # format.php split_truefalse_comment: {T#feedback if wrong#feedback if right}.
        bits = answers.split("#", 2)
        value, _fmt = self.text_format(bits[0].strip(), q.format)
        wrong, wrong_fmt = ("", q.format)
        right, right_fmt = ("", q.format)
        if len(bits) > 1:
            wrong, wrong_fmt = self.text_format(bits[1].strip(), q.format)
            self.check_format(q, wrong, wrong_fmt, bits[1].line, "feedback")
        if len(bits) > 2:
            right, right_fmt = self.text_format(bits[2].strip(), q.format)
            self.check_format(q, right, right_fmt, bits[2].line, "feedback")
        q.correct_answer = value in ("T", "TRUE")
        if q.correct_answer:
            q.feedback_true, q.feedback_true_format = right, right_fmt
            q.feedback_false, q.feedback_false_format = wrong, wrong_fmt
        else:
            q.feedback_true, q.feedback_true_format = wrong, wrong_fmt
            q.feedback_false, q.feedback_false_format = right, right_fmt
        return True


def _idnumber_and_tags(comment: str) -> tuple[str | None, list[str]]:
    """format.php extract_idnumber_and_tags_from_comment: ``[id:…]`` and ``[tag:…]``."""
    idnumber = None
    if m := _ID_RE.search(comment):
        idnumber = m.group(1).strip().replace("\\]", "]") or None
    tags: list[str] = []
    for raw in _TAG_RE.findall(comment):
        tag = raw.strip().replace("\\]", "]")
        if tag and tag not in tags:
            tags.append(tag)
    return idnumber, tags


# --------------------------------------------------------------------------------------------
# Conversion to the bank format (docs/content-format.md)
# --------------------------------------------------------------------------------------------


def _loc(text: str) -> dict[str, str]:
    return {"zh": text, "en": text}


def to_bank_questions(imp: GiftImport, *, id_prefix: str) -> list[dict[str, Any]]:
    """Convert imported questions to this project's question dicts (docs/content-format.md).

    Ids come from the slugified ``::title::``, else ``<id_prefix>-<n>`` (n counts questions
    from 1); a repeated id gets ``-2``, ``-3``….  GIFT text is monolingual, so every
    localised text has the same text under ``zh`` and ``en``.  Feedback is stored only where
    the GIFT gives some.  Raises ``GiftError`` for questions the bank format cannot hold.
    """
    prefix = id_prefix.rstrip("-")
    if not _ID_OK.fullmatch(prefix):
        raise ValueError(f"id_prefix {id_prefix!r} must be lowercase letters, digits, hyphens")
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    problems: list[LocatedMessage] = []
    for n, q in enumerate(imp.questions, start=1):
        base = _slug(q.title) if q.title else ""
        base = base or f"{prefix}-{n}"
        qid, k = base, next_suffix.get(base, 2)
        while qid in used:
            qid, k = f"{base}-{k}", k + 1
        next_suffix[base] = k
        used.add(qid)
        try:
            out.append(_bank_question(q, qid))
        except _Skip as exc:
            problems.append(LocatedMessage(imp.filename, q.line, exc.message))
    if problems:
        raise GiftError(problems)
    return out


def bank_categories(imp: GiftImport, questions: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Question id -> GIFT category, for ``export_gift(categories=...)``.

    ``questions`` is what ``to_bank_questions(imp, ...)`` returned (same order).
    """
    return {
        b["id"]: q.category
        for b, q in zip(questions, imp.questions, strict=True)
        if q.category is not None
    }


def _with_feedback(item: dict[str, Any], feedback: str) -> dict[str, Any]:
    if feedback:
        item["feedback"] = _loc(feedback)
    return item


def _bank_question(q: GiftQuestion, qid: str) -> dict[str, Any]:
    kind = {
        "multichoice": "single" if q.single else "multiple",
        "truefalse": "truefalse",
        "shortanswer": "short",
        "numerical": "numeric",
        "matching": "matching",
        "essay": "essay",
        "description": "description",
    }[q.qtype]
    d: dict[str, Any] = {"id": qid, "type": kind, "tags": list(q.tags)}
    if kind != "description":
        d["points"] = 1  # Moodle's defaultmark; a description has none
    d["format"] = q.format
    d["stem"] = _loc(q.text)
    if q.general_feedback:
        d["general_feedback"] = _loc(q.general_feedback)

    if kind in ("single", "multiple"):
        options = []
        for i, a in enumerate(q.answers):
            option: dict[str, Any] = {
                "id": _letters(i),
                "text": _loc(a.text),
                "fraction": a.fraction,
            }
            if (a.fraction == 1.0) if kind == "single" else (a.fraction > 0):
                option["correct"] = True
            options.append(_with_feedback(option, a.feedback))
        if not any(o.get("correct") for o in options):
            raise _Skip(N_("no option is correct (trainer needs at least one)"))
        d["options"] = options
    elif kind == "truefalse":
        d["answer"] = bool(q.correct_answer)
        if q.feedback_true:
            d["feedback_true"] = _loc(q.feedback_true)
        if q.feedback_false:
            d["feedback_false"] = _loc(q.feedback_false)
    elif kind == "short":
        d["answers"] = [
            _with_feedback({"text": a.text, "fraction": a.fraction}, a.feedback) for a in q.answers
        ]
    elif kind == "numeric":
        answers = []
        for a in q.answers:
            if a.any:
                item: dict[str, Any] = {"any": True}
            elif a.minimum is not None and a.maximum is not None:
                item = {"min": a.minimum, "max": a.maximum}
            else:
                item = {"value": a.value, "tolerance": a.tolerance}
            item["fraction"] = a.fraction
            answers.append(_with_feedback(item, a.feedback))
        d["answers"] = answers
    elif kind == "matching":
        real = sum(1 for p in q.pairs if p.left)
        if real < 3:
            raise _Skip(
                N_("matching needs at least 3 pairs in trainer; this one has %(count)d"), count=real
            )
        # A distractor (Moodle: subquestion without text) is a pair with an empty left.
        d["pairs"] = [{"left": _loc(p.left), "right": _loc(p.right)} for p in q.pairs]
    return d


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


class _Skip(Exception):
    """A question that cannot be written (export) or kept (import conversion).

    Import reasons are N_() msgids, shown translated on the upload page.  Export reasons are
    plain English texts: export warnings are read only at the command line.
    """

    def __init__(self, reason: str, **params: Any) -> None:
        self.message = Message(reason, params)
        super().__init__(str(self.message))


_Writer = Callable[[Any, str], str]


def _esc(text: str) -> str:
    """format.php repchar: escape \\ # = ~ { } : and write newlines as \\n."""
    out = text.replace("\\", "\\\\")
    for ch in "#=~{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r", "").replace("\n", "\\n")


def _elem(text: str, fmt: str, default: str) -> str:
    """format.php write_questiontext: a ``[format]`` tag only when it differs from the default.

    A text starting with '[' or '%' always gets an explicit tag, or the importer would read
    its start as a format tag or an answer weight.
    """
    tag = ""
    if (text and fmt != default) or text.startswith(("[", "%")):
        tag = f"[{fmt}]"
    return tag + _esc(text)


def _pick(value: Any, lang: str, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        other = "zh" if lang == "en" else "en"
        text = value.get(lang) or value.get(other) or ""
        if not isinstance(text, str):
            raise _Skip(f"{what} is not text")
        return text
    raise _Skip(f"{what} is not a localised text")


def _weight_prefix(fraction: float, qid: str, warnings: list[str]) -> str:
    if _snap_grade(fraction) is None:
        warnings.append(
            f"{qid}: weight {_pct(fraction)}% is not one of Moodle's grades; Moodle will refuse it"
        )
    return f"%{_pct(fraction)}%"


def export_gift(
    questions: Sequence[Mapping[str, Any]],
    *,
    lang: str = "en",
    categories: Mapping[str, str] | None = None,
) -> GiftExport:
    """Write bank questions as GIFT, laid out like Moodle's own GIFT export.

    ``lang`` picks the text of each localised field (falling back to the other language when
    empty).  ``categories`` maps question id -> category path; a ``$CATEGORY:`` line is written
    whenever it changes (see :func:`bank_categories`).  Question types GIFT cannot express
    (``ordering``, ``scenario``) and questions that cannot be written are skipped with a warning;
    data GIFT has no place for (units, rubrics, scenario panels) is dropped with a warning.
    Returns ``GiftExport(text, warnings)``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    warnings: list[str] = []
    blocks: list[str] = []
    current: str | None = None
    for q in questions:
        qid = str(q.get("id", "?"))
        local: list[str] = []
        try:
            body = _write_question(q, qid, lang, local)
        except _Skip as exc:
            warnings.append(f"{qid}: {exc}; skipped")
            continue
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            warnings.append(f"{qid}: not a well-formed question ({exc!r}); skipped")
            continue
        warnings.extend(local)
        category = (categories or {}).get(qid)
        if category is not None and category != current:
            if "\n" in category or "\r" in category:
                warnings.append(f"{qid}: category {category!r} has a line break; not written")
            else:
                blocks.append(
                    f"// question: 0  name: Switch category to {category}\n$CATEGORY: {category}\n"
                )
                current = category
        blocks.append(body)
    return GiftExport("\n".join(blocks), warnings)


def _write_question(q: Mapping[str, Any], qid: str, lang: str, warnings: list[str]) -> str:
    kind = q.get("type")
    if kind in ("ordering", "scenario"):
        raise _Skip(f"GIFT has no {kind} questions")
    if kind not in (
        "single",
        "multiple",
        "truefalse",
        "numeric",
        "matching",
        "short",
        "essay",
        "description",
    ):
        raise _Skip(f"unknown question type {kind!r}")
    fmt = q.get("format", "markdown")
    if fmt not in FORMATS:
        raise _Skip(f"unknown format {fmt!r}")
    if q.get("scenario"):
        warnings.append(f"{qid}: the scenario panel is dropped (GIFT has no place for it)")
    if kind == "essay" and q.get("rubric"):
        warnings.append(f"{qid}: the rubric is dropped (GIFT has no place for it)")

    def text(value: Any, what: str) -> str:
        return _pick(value, lang, what)

    def elem(value: Any, what: str) -> str:
        """A localised text written in the question's own format."""
        return _elem(text(value, what), fmt, fmt)

    head = [f"// question: {qid}"]
    tags = [str(t) for t in q.get("tags") or []]
    good = [t for t in tags if _TAG_OK.fullmatch(t) and t == t.strip()]
    for bad in sorted(set(tags) - set(good)):
        warnings.append(f"{qid}: tag {bad!r} cannot be written in a GIFT comment; dropped")
    if good:  # Moodle's write_idnumber_and_tags layout; read back by the importer
        head.append("// " + " ".join(f"[tag:{t}]" for t in good))
    stem = _elem(text(q.get("stem"), "stem"), fmt, "moodle")
    title = f"::{_esc(qid)}::{stem}"

    gf_value = q.get("general_feedback") or q.get("explanation")
    gf = text(gf_value, "general feedback")
    gf_out = f"####{_elem(gf, fmt, fmt)}" if gf else ""

    if kind == "description":
        if gf:
            warnings.append(f"{qid}: the general feedback is dropped (a GIFT description has none)")
        return "\n".join([*head, title]) + "\n"
    if kind == "essay":
        return "\n".join([*head, f"{title}{{{gf_out}}}"]) + "\n"
    if kind == "truefalse":
        answer = q.get("answer")
        if not isinstance(answer, bool):
            raise _Skip("a true/false question needs answer: true or false")
        fb_true = elem(q.get("feedback_true"), "feedback_true")
        fb_false = elem(q.get("feedback_false"), "feedback_false")
        right, wrong = (fb_true, fb_false) if answer else (fb_false, fb_true)
        out = "TRUE" if answer else "FALSE"
        if wrong:
            out += "#" + wrong
        elif right:
            out += "#"
        if right:
            out += "#" + right
        return "\n".join([*head, f"{title}{{{out}{gf_out}}}"]) + "\n"

    lines = [*head]
    if kind in ("single", "multiple"):
        lines.append(title + "{")
        lines.extend(_choice_lines(q, kind, qid, elem, warnings))
    elif kind == "short":
        lines.append(title + "{")
        answers = q.get("answers") or []
        if not answers:
            raise _Skip("a short-answer question needs answers")
        for a in answers:
            fraction = float(a.get("fraction", 1.0))
            answer = str(a.get("text", ""))
            feedback = elem(a.get("feedback"), "feedback")
            if "->" in answer or "->" in feedback:
                # Answers with both '=' and '->' are read as matching; GIFT cannot escape '->'.
                raise _Skip("'->' in a short-answer question would be read back as matching")
            line = f"\t={_weight_prefix(fraction, qid, warnings)}{_elem(answer, fmt, fmt)}"
            lines.append(line + (f"#{feedback}" if feedback else ""))
    elif kind == "numeric":
        lines.append(title + "{#")
        lines.extend(_numeric_lines(q, qid, elem, warnings))
    else:  # matching
        lines.append(title + "{")
        pairs = q.get("pairs") or []
        if not pairs:
            raise _Skip("a matching question needs pairs")
        for pair in pairs:
            left = text(pair.get("left"), "left")
            right = text(pair.get("right"), "right")
            if "->" in left:
                raise _Skip(f"the left-hand text {left!r} contains '->', which GIFT cannot escape")
            if not left and not right:
                continue
            lines.append(f"\t={_elem(left, fmt, fmt)} -> {_esc(right)}")
    if gf_out:
        lines.append("\t" + gf_out)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _choice_lines(
    q: Mapping[str, Any], kind: str, qid: str, elem: _Writer, warnings: list[str]
) -> list[str]:
    options = q.get("options") or []
    if len(options) < 2:
        raise _Skip("a choice question needs at least 2 options")
    correct = sum(1 for o in options if o.get("correct"))
    fractions = []
    for o in options:
        if "fraction" in o:
            fractions.append(float(o["fraction"]))
        elif kind == "single":
            fractions.append(1.0 if o.get("correct") else 0.0)
        else:
            # Bank rule: each correct pick earns 1/n, each wrong pick costs the same.
            share = 1.0 / correct if correct else 0.0
            fractions.append(share if o.get("correct") else -share)
    markers = []
    for fraction in fractions:
        if kind == "single" and fraction == 1.0:
            markers.append("=")
        elif fraction == 0.0:
            markers.append("~")
        else:
            markers.append("~" + _weight_prefix(fraction, qid, warnings))
    if kind == "single":
        if "=" not in markers:
            warnings.append(
                f"{qid}: no option is worth 100%; GIFT reads it back as multiple-answer"
            )
        elif all(m == "=" for m in markers):
            markers[-1] = "~%100%"  # without any '~' GIFT would not see a multiple choice
    lines = []
    for option, marker in zip(options, markers, strict=True):
        line = "\t" + marker + elem(option.get("text"), "option text")
        feedback = elem(option.get("feedback"), "feedback")
        lines.append(line + (f"#{feedback}" if feedback else ""))
    return lines


def _numeric_lines(q: Mapping[str, Any], qid: str, elem: _Writer, warnings: list[str]) -> list[str]:
    answers = q.get("answers") or []
    if not answers:
        raise _Skip("a numeric question needs answers")
    if q.get("unit"):
        warnings.append(f"{qid}: the unit is dropped (GIFT has no place for it)")
    lines = []
    for k, a in enumerate(answers):
        fraction = float(a.get("fraction", 1.0))
        feedback = elem(a.get("feedback"), "feedback")
        fb = f"#{feedback}" if feedback else ""
        if a.get("any"):
            if fraction == 0.0 and k == len(answers) - 1:
                lines.append(f"\t~{fb}")  # Moodle's own way of writing a '*' answer
            else:
                lines.append(f"\t={_weight_prefix(fraction, qid, warnings)}*{fb}")
            continue
        # A value wins over min/max: the content loader fills min/max in from value+tolerance.
        if a.get("value") is not None:
            value = f"{_num(a['value'])}:{_num(a.get('tolerance') or 0)}"
        elif a.get("min") is not None and a.get("max") is not None:
            value = f"{_num(a['min'])}..{_num(a['max'])}"
        else:
            raise _Skip("a numeric answer needs value or min and max")
        lines.append(f"\t={_weight_prefix(fraction, qid, warnings)}{value}{fb}")
    return lines
