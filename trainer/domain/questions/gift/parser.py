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

import re
from typing import Any

from trainer.domain.messages import N_, LocatedMessage, Message
from trainer.domain.questions.gift.answers import AnswerReaders
from trainer.domain.questions.gift.model import (
    _MIXED_FORMAT,
    FORMATS,
    QTYPES,
    GiftError,
    GiftImport,
    GiftQuestion,
    _nearest_grade,
    _pct,
    _snap_grade,
)
from trainer.domain.questions.gift.source import (
    _NONCHARACTERS,
    _PHP_WS,
    _UNESCAPE,
    _WEIGHT_RE,
    _escape,
    _is_numeric,
    _literal,
    _php_empty,
    _Src,
)

# format.php extract_idnumber_and_tags_from_comment.
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")
_TAG_OK = re.compile(r"[^\]<>`\x00-\x1f\x7f]+")
_HTML_TAG = re.compile(r"<[^>]*>")


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


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


class _Parser(AnswerReaders):
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
