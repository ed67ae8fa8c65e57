"""Moodle GIFT import/export (trainer.domain.questions.gift), checked against Moodle's behaviour.

Expected values for the Moodle fixtures come from Moodle's giftformat_test.php and its behat
features ("Importing 9 questions", "Importing 4 questions", the UTF-8 refusal).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from trainer.domain.messages import LocatedMessage, Message
from trainer.domain.questions import make_layout
from trainer.domain.questions.gift import (
    QTYPES,
    GiftError,
    GiftImport,
    bank_categories,
    by_type_counts,
    decode_gift,
    export_gift,
    parse_gift,
    to_bank_questions,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gift"


def load(name: str, encoding: str | None = None) -> GiftImport:
    data = (FIXTURES / name).read_bytes()
    text = data.decode(encoding) if encoding else decode_gift(data, name)
    return parse_gift(text, name)


def parse(text: str) -> GiftImport:
    return parse_gift(text, "t.gift")


def one(text: str) -> Any:
    imp = parse(text)
    assert len(imp.questions) == 1, imp.questions
    return imp.questions[0]


def problems(text: str) -> list[str]:
    with pytest.raises(GiftError) as exc:
        parse(text)
    return exc.value.problems


def bank(text: str, prefix: str = "g") -> list[dict[str, Any]]:
    return to_bank_questions(parse(text), id_prefix=prefix)


def normalised(questions: list[dict[str, Any]]) -> str:
    """Questions as canonical JSON, floats rounded so that only real differences count."""

    def norm(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return json.dumps(norm(questions), sort_keys=True, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------
# Moodle's own fixtures
# ---------------------------------------------------------------------------------------------


def test_moodle_questions_fixture_imports_nine_questions() -> None:
    imp = load("moodle_questions.gift.txt")
    # behat import_export.feature: "Importing 9 questions from file".
    assert len(imp.questions) == 9
    assert by_type_counts(imp) == {
        "multichoice": 2,
        "truefalse": 3,
        "shortanswer": 1,
        "numerical": 1,
        "matching": 1,
        "essay": 1,
        "description": 0,
    }
    assert [q.name for q in imp.questions] == [
        "Q8",
        "Moodle activities",
        "Q2",
        "colours",
        "Q5",
        "Shortanswer",
        "Q1",
        "2-08 TSL",
        "2-08 TSL",
    ]


def test_moodle_import_essay() -> None:
    q = load("moodle_questions.gift.txt").questions[0]
    assert (q.qtype, q.name, q.text, q.format) == ("essay", "Q8", "How are you?", "moodle")
    assert q.general_feedback == ""


def test_moodle_import_match() -> None:
    q = load("moodle_questions.gift.txt").questions[1]
    assert q.qtype == "matching"
    assert q.text == "Match the <b>activity</b> to the description."
    assert q.format == q.general_feedback_format == "html"
    assert [(p.left, p.left_format, p.right) for p in q.pairs] == [
        ("An activity supporting asynchronous discussions.", "html", "Forum"),
        (
            "A teacher asks a question and specifies a choice of multiple responses.",
            "moodle",
            "Choice",
        ),
        ("A bank of record entries which participants can add to.", "plain", "Database"),
        ("A collection of web pages that anyone can add to or edit.", "markdown", "Wiki"),
        ("", "html", "Chat"),  # a distractor: an answer with no subquestion
    ]


def test_moodle_import_multichoice() -> None:
    q = load("moodle_questions.gift.txt").questions[2]
    assert (q.qtype, q.single, q.text) == (
        "multichoice",
        True,
        "What's between orange and green in the spectrum?",
    )
    assert [(a.text, a.format) for a in q.answers] == [
        ("yellow", "moodle"),
        ("red", "moodle"),
        ("blue", "plain"),
    ]
    assert [a.fraction for a in q.answers] == [1, 0, 0]
    assert [(a.feedback, a.feedback_format) for a in q.answers] == [
        ("right; good!", "moodle"),
        ("wrong, it's yellow", "html"),
        ("wrong, it's yellow", "moodle"),
    ]


def test_moodle_import_multichoice_multi() -> None:
    q = load("moodle_questions.gift.txt").questions[3]
    assert (q.qtype, q.single) == ("multichoice", False)
    assert [a.text for a in q.answers] == ["yellow", "red", "off-beige", "blue"]
    assert [a.fraction for a in q.answers] == [0.5, -1, 0.5, -1]
    assert [a.feedback for a in q.answers] == ["right; good!", "wrong", "right; good!", "wrong"]


def test_moodle_import_numerical_with_trailing_text_is_missing_word() -> None:
    q = load("moodle_questions.gift.txt").questions[4]
    assert q.qtype == "numerical"
    # The fixture line ends `{#3:2~#Completely wrong}";` - text after the answers.
    assert q.text == 'What is a number from 1 to 5? _____";'
    assert q.missing_word
    assert [(a.value, a.tolerance, a.fraction, a.any) for a in q.answers] == [
        (3.0, 2.0, 1.0, False),
        (None, None, 0.0, True),
    ]
    assert [a.feedback for a in q.answers] == ["", "Completely wrong"]


def test_moodle_import_shortanswer() -> None:
    q = load("moodle_questions.gift.txt").questions[5]
    assert q.qtype == "shortanswer"
    assert [a.text for a in q.answers] == ["Frog", "Cat", "*"]
    assert [a.fraction for a in q.answers] == [1, 0.5, 0]
    assert [a.feedback for a in q.answers] == [
        "Good!",
        "What is it with Moodlers and cats?",
        "Completely wrong",
    ]


def test_moodle_import_truefalse() -> None:
    questions = load("moodle_questions.gift.txt").questions
    q = questions[6]
    assert (q.qtype, q.correct_answer) == ("truefalse", False)
    # {FALSE#wrong#right}: the learner answering true is wrong.
    assert q.feedback_true == "42 is the Ultimate Answer."
    assert q.feedback_false == "You gave the right answer."
    assert q.general_feedback == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    assert [(x.name, x.correct_answer) for x in questions[7:]] == [
        ("2-08 TSL", True),
        ("2-08 TSL", True),
    ]


def test_moodle_fixture_warns_about_mixed_formats() -> None:
    imp = load("moodle_questions.gift.txt")
    assert imp.warnings[0] == (
        "moodle_questions.gift.txt:11: the subquestion is [moodle] but the question is [html]; "
        "trainer renders the whole question as html"
    )
    assert len(imp.warnings) == 8
    assert imp.warnings[-1] == (
        "moodle_questions.gift.txt:41: '*' in the answer '*' is a wildcard in Moodle; trainer "
        "compares short answers ignoring punctuation, so there it is not a wildcard"
    )


def test_moodle_questions_in_category_imports_four_questions() -> None:
    imp = load("moodle_questions_in_category.gift.txt")
    # behat: "Importing 4 questions from file" - the $CATEGORY: switch is not a question.
    assert len(imp.questions) == 4
    assert imp.categories == ["$course$/Default for New Features"]
    assert {q.category for q in imp.questions} == {"$course$/Default for New Features"}
    greeting = imp.questions[1]
    assert greeting.text == (
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this '
        "greeting:</a><br /><br />What language is being spoken?"
    )
    assert imp.questions[2].answers[0].text == "Moodler"
    assert imp.questions[3].text == (
        'Moodle is an acronym for <span style="font-style: italic;">Modular Object-Oriented '
        "Dynamic Learning Environment</span>."
    )
    assert imp.warnings == []


def test_moodle_windows_1252_fixture_is_refused() -> None:
    name = "moodle_questions_encoding_windows-1252.gift.txt"
    with pytest.raises(GiftError) as exc:
        decode_gift((FIXTURES / name).read_bytes(), name)
    assert exc.value.problems == [
        f"{name}:19: the file is not UTF-8 (byte 0xf6); GIFT format files must use UTF-8"
    ]


def test_moodle_windows_1252_fixture_once_decoded() -> None:
    imp = load("moodle_questions_encoding_windows-1252.gift.txt", encoding="cp1252")
    assert imp.categories == ["$course$/top/Default for LTTEST"]
    assert [q.qtype for q in imp.questions] == ["essay", "essay", "matching"]
    assert imp.questions[2].pairs[0].left == "<p>aödf<br></p>"


def test_moodle_examples_file() -> None:
    imp = load("moodle_examples.gift.txt")
    assert len(imp.questions) == 43
    assert by_type_counts(imp) == {
        "multichoice": 18,
        "truefalse": 5,
        "shortanswer": 9,
        "numerical": 8,
        "matching": 3,
        "essay": 0,
        "description": 0,
    }
    assert imp.warnings == []
    control = next(q for q in imp.questions if q.name == "GIFT Control Characters")
    assert [a.text for a in control.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert control.answers[5].feedback.startswith(
        "Correct! \\ (backslash) is not a control character. BUT,\nit is used"
    )


# Moodle's giftformat_test.php import cases that are not in the fixture files.


def test_moodle_import_backslash() -> None:
    q = one("// essay\n::double backslash:: A \\\\ B \\\\\\\\ C{}")
    assert (q.name, q.text, q.qtype) == ("double backslash", "A \\ B \\\\ C", "essay")


def test_moodle_import_pre_content() -> None:
    q = one(
        "::Q001::[html]<p>What would running the test method print?</p>\n<pre>\n"
        "    public void test() \\{\n        method1();\n    \\}\n</pre>\n{}"
    )
    # Lines are trimmed (qformat_default::readquestions), escaped braces are kept.
    assert q.text == (
        "<p>What would running the test method print?</p>\n<pre>\npublic void test() {\n"
        "method1();\n}\n</pre>"
    )
    assert (q.format, q.qtype) == ("html", "essay")


def test_moodle_import_question_with_tags_and_idnumber() -> None:
    q = one(
        "// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
        "// And an idnumber: [id:myid].\n"
        "::Question name:: How are you? {}"
    )
    assert q.tags == ["tag", "other-tag"]
    assert q.idnumber == "myid"
    assert bank("// [tag:  basic] [id:   four   ] [tag:add   ] [tag:t\\]ag]\nQ {}")[0]["tags"] == [
        "basic",
        "add",
        "t]ag",
    ]


def test_moodle_import_multichoice_multi_tricky() -> None:
    q = one(
        "::colours:: Spectrum?\n{\n~%100%yellow # right; good!\n~%-50%red # wrong\n"
        "~%-50%blue # wrong\n}"
    )
    assert q.single is False
    assert [a.fraction for a in q.answers] == [1, -0.5, -0.5]


def test_moodle_import_shortanswer_with_general_feedback() -> None:
    q = one(
        "::Shortanswer::Which is the best animal?{\n=Frog#Good!\n=%50%Cat#Cats?\n"
        "=%0%*#Completely wrong\n####[html]Here is some general feedback!\n}"
    )
    assert q.general_feedback == "Here is some general feedback!"
    assert (q.format, q.general_feedback_format) == ("moodle", "html")


# ---------------------------------------------------------------------------------------------
# Syntax
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escaped", "literal"),
    [
        ("\\~", "~"),
        ("\\=", "="),
        ("\\#", "#"),
        ("\\{", "{"),
        ("\\}", "}"),
        ("\\:", ":"),
        ("\\\\", "\\"),
        ("\\n", "\n"),
    ],
)
def test_every_escape(escaped: str, literal: str) -> None:
    q = one(f"::T{escaped}T::a{escaped}b{{~x{escaped}y#f{escaped}g =z{escaped}z}}")
    assert q.title == f"T{literal}T"
    assert q.text == f"a{literal}b"
    assert q.answers[0].text == f"x{literal}y"
    assert q.answers[0].feedback == f"f{literal}g"
    assert q.answers[1].text == f"z{literal}z"


def test_escaped_newline_at_the_edge_is_trimmed() -> None:
    # parse_text_with_format trims after turning the escapes back into characters.
    q = one("::T\\n::a\\n {T}")
    assert (q.title, q.text) == ("T", "a")


def test_escaped_backslash_does_not_escape_the_next_character() -> None:
    # `\\~` is a backslash followed by a real '~' (format.php replaces \\ first).
    q = one("Q {~a\\\\~b =c}")
    assert [a.text for a in q.answers] == ["a\\", "b", "c"]


def test_unknown_escape_keeps_the_backslash() -> None:
    assert one("Path C:\\temp\\x {}").text == "Path C:\\temp\\x"


def test_comments_are_ignored_and_do_not_separate_questions() -> None:
    imp = parse(
        "// heading comment\n\n"
        "// comment right above\n"
        "Q1 {\n  // comment inside the answers\n  =yes\n  ~no\n}\n\n"
        "   // indented comment\n"
        "Q2 {T}\n"
    )
    assert [q.text for q in imp.questions] == ["Q1", "Q2"]
    assert [a.text for a in imp.questions[0].answers] == ["yes", "no"]
    assert [q.line for q in imp.questions] == [4, 11]


def test_comment_between_two_questions_without_blank_line_joins_them() -> None:
    # Only blank lines separate questions; Moodle reads the first {...} and keeps the rest.
    imp = parse("Q1 {T}\n// c\nQ2 {F}\n")
    assert [(q.qtype, q.text) for q in imp.questions] == [("truefalse", "Q1 \n \nQ2 {F}")]
    assert imp.warnings == [
        "t.gift:3: unescaped '{' or '}' in the question text: Moodle reads only the first "
        "{...} as answers and keeps the rest as text (write \\{ \\})"
    ]


def test_categories_are_not_questions() -> None:
    imp = parse(
        "$CATEGORY: $course$/top/A\n\nQ1 {T}\n\n$CATEGORY: $course$/top/B\n\nQ2 {T}\n\n"
        "$CATEGORY: $course$/top/A\n\nQ3 {T}\n"
    )
    assert len(imp.questions) == 3
    assert imp.categories == ["$course$/top/A", "$course$/top/B"]
    assert [q.category for q in imp.questions] == [
        "$course$/top/A",
        "$course$/top/B",
        "$course$/top/A",
    ]
    assert parse("Q {T}\n").questions[0].category is None


def test_category_keyword_is_case_sensitive() -> None:
    imp = parse("$category: foo\n\nQ {T}\n")
    assert [q.qtype for q in imp.questions] == ["description", "truefalse"]
    assert imp.categories == []
    assert "case-sensitive" in imp.warnings[0]


def test_question_right_under_category_is_swallowed_with_a_warning() -> None:
    imp = parse("$CATEGORY: foo\n::Q1:: Is it? {T}\n")
    assert imp.questions == []
    assert imp.categories == ["foo\n::Q1:: Is it? {T}"]
    assert imp.warnings == [
        "t.gift:1: the text after the $CATEGORY: line is part of the category name in Moodle "
        "(put a blank line after $CATEGORY:)",
        "t.gift:1: no questions in the file, only categories",
    ]


def test_titles() -> None:
    q = one("::My title::  The text {T}")
    assert (q.title, q.name, q.text) == ("My title", "My title", "The text")
    untitled = one("The text {T}")
    assert (untitled.title, untitled.name) == (None, "The text")


def test_unclosed_title_is_a_warning() -> None:
    imp = parse("::Open title What? {T}\n")
    q = imp.questions[0]
    assert (q.title, q.text) == (None, "Open title What?")
    assert imp.warnings == ["t.gift:1: the question title is not closed with '::'"]


@pytest.mark.parametrize("fmt", ["html", "moodle", "plain", "markdown"])
def test_formats(fmt: str) -> None:
    q = one(f"[{fmt}]Stem {{=[{fmt}]a#[{fmt}]fb ~b####[{fmt}]gf}}")
    assert (q.format, q.text) == (fmt, "Stem")
    assert (q.answers[0].text, q.answers[0].format) == ("a", fmt)
    assert (q.answers[0].feedback, q.answers[0].feedback_format) == ("fb", fmt)
    assert (q.answers[1].format, q.general_feedback, q.general_feedback_format) == (fmt, "gf", fmt)


def test_default_format_is_moodle_and_unknown_tags_stay_text() -> None:
    assert one("Stem {T}").format == "moodle"
    imp = parse("[HTML]Stem {T}\n\n[note] Stem {T}\n")
    assert [(q.format, q.text) for q in imp.questions] == [
        ("moodle", "[HTML]Stem"),
        ("moodle", "[note] Stem"),
    ]
    assert imp.warnings == [
        "t.gift:1: '[HTML]' is not a format tag (tags are lowercase, [html]); "
        "Moodle keeps it as text"
    ]


def test_general_feedback_tag_must_follow_the_hashes() -> None:
    # format.php does not trim the general feedback before looking for its [format].
    q = one("Q {=a####  [html]gf}")
    assert (q.general_feedback, q.general_feedback_format) == ("[html]gf", "moodle")


def test_windows_line_endings_and_bom() -> None:
    imp = load("crlf_bom.gift")
    assert imp.categories == ["windows"]
    assert [q.text for q in imp.questions] == [
        "Which line ending does Windows use?",
        "First line\nsecond line",
    ]
    assert imp.questions[0].answers[0].feedback == "Yes"
    assert [q.line for q in imp.questions] == [4, 9]
    assert parse_gift("\ufeffQ {T}\r\n", "b.gift").questions[0].text == "Q"


def test_old_mac_line_endings() -> None:
    imp = parse("Q1 {T}\r\rQ2\r{F}\r")
    assert [(q.text, q.line) for q in imp.questions] == [("Q1", 1), ("Q2", 3)]


def test_line_of_zero_is_a_blank_line() -> None:
    imp = parse("Question one {T}\n0\nQuestion two {F}\n")
    assert [q.text for q in imp.questions] == ["Question one", "Question two"]
    assert imp.warnings == [
        "t.gift:2: a line holding only '0' counts as a blank line in Moodle (PHP empty()): it "
        "ends the question and is dropped"
    ]


# ---------------------------------------------------------------------------------------------
# Question types
# ---------------------------------------------------------------------------------------------


def test_multichoice_single_and_weights() -> None:
    q = one("Q {=right#yes ~%50%half#hmm ~%-100%bad#no ~plain}")
    assert q.single is True
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("right", 1.0, "yes"),
        ("half", 0.5, "hmm"),
        ("bad", -1.0, "no"),
        ("plain", 0.0, ""),
    ]


def test_weights_snap_to_moodle_grades() -> None:
    q = one("Q {~%33.33333%a ~%33.333333%b ~%33.3333333%c ~%-100%d}")
    assert [a.fraction for a in q.answers] == [0.3333333, 0.3333333, 0.3333333, -1.0]
    assert one("Q {~%12.5%a =b}").answers[0].fraction == 0.125


def test_multiple_answers_weights_not_adding_up_is_a_warning() -> None:
    imp = parse("Q {~%50%a ~%25%b ~c}\n")
    assert imp.questions[0].single is False
    assert imp.warnings == [
        "t.gift:1: the positive weights add up to 75%, not 100% (Moodle imports it anyway)"
    ]


def test_single_answer_without_full_marks_is_a_warning() -> None:
    imp = parse("Q {~a ~b =}\n")
    assert [a.text for a in imp.questions[0].answers] == ["a", "b"]
    assert imp.warnings == [
        "t.gift:1: an empty answer is ignored",
        "t.gift:1: no answer is worth 100%, so no response gets full marks",
    ]


def test_weight_after_equals_is_ignored_in_multichoice() -> None:
    imp = parse("Q {=%50%a ~b}\n")
    assert [(a.text, a.fraction) for a in imp.questions[0].answers] == [("%50%a", 1.0), ("b", 0.0)]
    assert "is ignored in multiple choice" in imp.warnings[0]


def test_answer_before_first_marker_is_a_wrong_answer() -> None:
    imp = parse("Q {junk ~a =b}\n")
    assert [(a.text, a.fraction) for a in imp.questions[0].answers] == [
        ("junk", 0.0),
        ("a", 0.0),
        ("b", 1.0),
    ]
    assert imp.warnings == [
        "t.gift:1: the answer 'junk' has no '~' or '=' before it: Moodle reads it as wrong"
    ]


def test_unescaped_equals_in_feedback_starts_a_new_answer() -> None:
    # format.php str_replace("=", "~=") splits on every '=', feedback included.
    q = one("Q {~a#x=y ~b}")
    assert [(a.text, a.feedback, a.fraction) for a in q.answers] == [
        ("a", "x", 0.0),
        ("y", "", 1.0),
        ("b", "", 0.0),
    ]


def test_truefalse_forms() -> None:
    for text, expected in [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]:
        q = one(f"Q {{{text}}}")
        assert (q.qtype, q.correct_answer) == ("truefalse", expected)
    q = one("Q {T#wrong fb#right fb####general}")
    assert (q.feedback_true, q.feedback_false, q.general_feedback) == (
        "right fb",
        "wrong fb",
        "general",
    )
    q = one("Q {F#if you said true}")
    assert (q.feedback_true, q.feedback_false) == ("if you said true", "")


def test_lowercase_true_is_a_short_answer() -> None:
    imp = parse("Is it? {true}\n")
    q = imp.questions[0]
    assert (q.qtype, q.answers[0].text) == ("shortanswer", "true")
    assert imp.warnings[0] == (
        "t.gift:1: 'true' makes a short-answer question: Moodle's true/false keywords are "
        "case-sensitive (T, TRUE, F, FALSE)"
    )


def test_short_answer() -> None:
    q = one("Q {=void#yes =%50%cancel#close =撤销}")
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("void", 1.0, "yes"),
        ("cancel", 0.5, "close"),
        ("撤销", 1.0, ""),
    ]


def test_numeric_tolerance_range_and_several_answers() -> None:
    q = one("Q {#3.14:0.01}")
    assert [(a.value, a.tolerance) for a in q.answers] == [(3.14, 0.01)]
    q = one("Q {#1..5}")
    a = q.answers[0]
    assert (a.minimum, a.maximum, a.value, a.tolerance) == (1.0, 5.0, 3.0, 2.0)
    q = one("Q {# =%50%3:1 =3.14:0}")
    assert [(a.value, a.tolerance, a.fraction) for a in q.answers] == [
        (3.0, 1.0, 0.5),
        (3.14, 0.0, 1.0),
    ]
    q = one("Q {#=-3 =1e3:5e-1 =.5}")
    assert [(a.value, a.tolerance) for a in q.answers] == [(-3.0, 0.0), (1000.0, 0.5), (0.5, 0.0)]


def test_numeric_catch_all_feedback() -> None:
    q = one("Q {#3~foo#bar}")
    assert [(a.any, a.fraction, a.feedback) for a in q.answers] == [
        (False, 1.0, ""),
        (True, 0.0, "bar"),
    ]
    assert parse("Q {#3~foo#bar}\n").warnings == ["t.gift:1: 'foo' between '~' and '#' is ignored"]
    star = one("Q {#=2 =%50%*#anything}")
    assert [(a.any, a.fraction, a.feedback) for a in star.answers] == [
        (False, 1.0, ""),
        (True, 0.5, "anything"),
    ]


def test_numeric_warnings() -> None:
    imp = parse("Q {#5:-1}\n\nR {#5..1}\n\nS {#=%50%2}\n")
    assert [a.tolerance for q in imp.questions for a in q.answers] == [1.0, 2.0, 0.0]
    assert imp.questions[1].answers[0].minimum == 1.0
    assert imp.warnings == [
        "t.gift:1: negative tolerance -1 is read as 1",
        "t.gift:3: the range 5..1 runs backwards; read as 1..5",
        "t.gift:5: no answer is worth 100%, so no response gets full marks",
    ]


def test_matching() -> None:
    q = one("Match {=a -> 1 =b->2\n=c and d -> 3 -> x}")
    assert [(p.left, p.right) for p in q.pairs] == [("a", "1"), ("b", "2"), ("c and d", "3 -> x")]


def test_matching_with_two_pairs_warns_like_moodles_form() -> None:
    imp = parse("Q {=a -> 1 =b -> 2}\n")
    assert len(imp.questions[0].pairs) == 2
    assert imp.warnings == [
        "t.gift:1: Moodle's editing form needs at least 2 subquestions and 3 answers; this has "
        "2 and 2"
    ]


def test_essay_and_description() -> None:
    imp = parse("Essay {}\n\nEssay with feedback {####Think first.}\n\n::Intro:: Read this.\n")
    assert [(q.qtype, q.text, q.general_feedback) for q in imp.questions] == [
        ("essay", "Essay", ""),
        ("essay", "Essay with feedback", "Think first."),
        ("description", "Read this.", ""),
    ]
    assert by_type_counts(imp)["description"] == 1  # Moodle counts descriptions


def test_missing_word() -> None:
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (q.text, q.missing_word) == ("Grant is _____ in Grant's tomb.", True)
    q = one("Two plus two equals {=four =4}.")
    assert (q.qtype, q.text) == ("shortanswer", "Two plus two equals _____.")
    assert one("Q {T}").missing_word is False


def test_second_answer_block_stays_in_the_text() -> None:
    imp = parse("A {=x} and {=y}\n")
    assert imp.questions[0].text == "A  and {=y}"
    assert "unescaped '{' or '}'" in imp.warnings[0]


def test_by_type_counts_has_every_type() -> None:
    counts = by_type_counts(parse("Q {T}\n"))
    assert list(counts) == list(QTYPES)
    assert counts == {t: int(t == "truefalse") for t in QTYPES}


def test_tricky_fixture() -> None:
    imp = load("tricky.gift")
    assert len(imp.questions) == 21
    assert by_type_counts(imp) == {
        "multichoice": 7,
        "truefalse": 4,
        "shortanswer": 2,
        "numerical": 4,
        "matching": 1,
        "essay": 1,
        "description": 2,
    }
    assert imp.categories == ["$course$/top/Payments", "$course$/top/Emergencies"]
    assert imp.warnings == [
        "tricky.gift:30: the general feedback is [html] but the question is [moodle]; trainer "
        "renders the whole question as moodle"
    ]
    escapes = imp.questions[2]
    assert escapes.text == "Control characters: ~ = # { } and a backslash \\ and a line\nbreak."
    assert [a.text for a in escapes.answers] == ["~tilde", "=equals {braces}", "colon: here"]
    assert imp.questions[0].tags == ["C1", "timing"]
    assert imp.questions[0].idnumber == "void-1"


# ---------------------------------------------------------------------------------------------
# Malformed input
# ---------------------------------------------------------------------------------------------


def test_malformed_fixture_reports_every_problem_with_its_line() -> None:
    with pytest.raises(GiftError) as exc:
        load("malformed.gift")
    assert exc.value.problems == [
        "malformed.gift:3: could not find {...} around answers: '{' is never closed",
        "malformed.gift:5: could not find {...} around answers: '}' without '{'",
        "malformed.gift:9: matching answer '=two 2' has no '->'",
        "malformed.gift:13: not a number: 'abc'",
        "malformed.gift:15: the tolerance is not a number: 'x'",
        "malformed.gift:19: weight 33% is not one of Moodle's grades (nearest: 33.33333%)",
        "malformed.gift:20: bad answer weight '%--50%'",
        "malformed.gift:23: not enough answers: multiple choice needs at least 2",
        "malformed.gift:25: one of the answers must be worth 100% so that full marks are possible",
        "malformed.gift:27: no answers found for numerical question (Moodle drops a lone '0' "
        "before the first '='; write {#=0})",
        "malformed.gift:29: could not find {...} around answers: '}' comes before '{'",
        "malformed.gift:31: the subquestion 'c' has no matching answer",
        "malformed.gift:33: not a number: 'x' in the range '1..x'",
    ]
    assert str(exc.value).splitlines() == exc.value.problems


def test_problems_and_warnings_carry_their_location_and_msgid() -> None:
    """Each is its English text; made again through gettext (no catalogue) it reads the same."""

    def gettext(msgid: str, **params: Any) -> str:
        return msgid % params if params else msgid

    with pytest.raises(GiftError) as parsing:
        load("malformed.gift")
    with pytest.raises(GiftError) as converting:
        to_bank_questions(parse("Q{~a ~b}\n\nR{=a -> 1 = -> 2}"), id_prefix="t")
    with pytest.raises(GiftError) as decoding:
        decode_gift(b"\xff", "t.gift")
    warnings = parse("Q{=a* b}\n\n[html]R{T####[plain]gf}\n\nS{=a =b ~c}").warnings
    messages = [
        *parsing.value.problems,
        *converting.value.problems,
        *decoding.value.problems,
        *warnings,
    ]
    assert len(messages) == 13 + 2 + 1 + 3
    for message in messages:
        assert isinstance(message, LocatedMessage)
        assert message.translated(gettext) == message
    problem = parsing.value.problems[2]
    assert (problem.file, problem.line) == ("malformed.gift", 9)
    assert problem.message == Message(
        "matching answer '=%(answer)s' has no '->'", {"answer": "two 2"}
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q\n\nQ2 {=a\n~b\n", "t.gift:3: could not find {...} around answers: '{' is never closed"),
        ("Q {\n=a -> 1\n}\n", "t.gift:2: not enough answers: matching needs at least 2 pairs"),
        ("Q {\n=a -> 1\n=b -> 2\n=c 3\n}\n", "t.gift:4: matching answer '=c 3' has no '->'"),
        ("Q {\n  #\n}\n", "t.gift:2: no answers found for numerical question"),
        ("Q {#3,14}\n", "t.gift:1: not a number: '3,14'"),
        ("Q {#1e3:inf}\n", "t.gift:1: the tolerance is not a number: 'inf'"),
        ("Q {~%150%a =b}\n", "t.gift:1: weight 150% is not one of Moodle's grades (nearest: 100%)"),
        (
            "Q {\n~a\n~%1000%b\n}\n",
            "t.gift:3: weight 1000% is not one of Moodle's grades (nearest: 100%)",
        ),
        (
            "Q {0}\n",
            "t.gift:1: not enough answers for a short-answer question (Moodle drops a "
            "lone '0'; write {=0})",
        ),
        (
            "Q {=%50%a =%25%b}\n",
            "t.gift:1: one of the answers must be worth 100% so that full marks are possible",
        ),
        ("Q {~a ~}\n", "t.gift:1: multiple choice needs at least 2 non-empty answers"),
        ("", "t.gift:1: there are no questions in the import file"),
        ("// only a comment\n", "t.gift:1: there are no questions in the import file"),
        ("Q \ufdd0 {T}\n", "t.gift:1: the text contains a Unicode noncharacter (U+FDD0–U+FDEF)"),
    ],
)
def test_malformed(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_blank_line_inside_answers_splits_the_question() -> None:
    assert problems("Q {=a\n\n~b}\n") == [
        "t.gift:1: could not find {...} around answers: '{' is never closed",
        "t.gift:3: could not find {...} around answers: '}' without '{'",
    ]


def test_problems_in_several_questions_are_all_reported() -> None:
    found = problems("Ok {T}\n\nBad {#x}\n\nAlso ok {F}\n\nBad too {~%33%a =b}\n")
    assert found == [
        "t.gift:3: not a number: 'x'",
        "t.gift:7: weight 33% is not one of Moodle's grades (nearest: 33.33333%)",
    ]


def test_decode_gift_names_the_line_of_the_bad_byte() -> None:
    with pytest.raises(GiftError) as exc:
        decode_gift("Q café {T}\n\nR {=caf".encode() + b"\xe9}\n", "x.gift")
    assert exc.value.problems == [
        "x.gift:3: the file is not UTF-8 (byte 0xe9); GIFT format files must use UTF-8"
    ]
    assert decode_gift(b"\xef\xbb\xbfQ {T}") == "Q {T}"


# ---------------------------------------------------------------------------------------------
# Bank questions
# ---------------------------------------------------------------------------------------------


def test_bank_questions_shape() -> None:
    questions = to_bank_questions(load("tricky.gift"), id_prefix="pay")
    first = questions[0]
    assert first == {
        "id": "void-or-refund",
        "type": "single",
        "tags": ["C1", "timing"],
        "points": 1,
        "format": "markdown",
        "stem": {
            "zh": first["stem"]["en"],
            "en": ("The batch is **still open** and you overcharged by ¥10. What now?"),
        },
        "general_feedback": {
            "zh": "Key rule: void before settlement, refund after.",
            "en": "Key rule: void before settlement, refund after.",
        },
        "options": [
            {
                "id": "a",
                "text": {
                    "zh": "Void the sale and ring it up again",
                    "en": "Void the sale and ring it up again",
                },
                "fraction": 1.0,
                "correct": True,
                "feedback": {
                    "zh": "Right: before settlement a void cancels the whole sale.",
                    "en": "Right: before settlement a void cancels the whole sale.",
                },
            },
            {
                "id": "b",
                "text": {"zh": "Refund ¥10", "en": "Refund ¥10"},
                "fraction": -0.5,
                "feedback": {
                    "zh": "No: a refund is for a settled batch.",
                    "en": "No: a refund is for a settled batch.",
                },
            },
            {
                "id": "c",
                "text": {"zh": "Do nothing", "en": "Do nothing"},
                "fraction": 0.0,
                "feedback": {
                    "zh": "Never leave an error uncorrected.",
                    "en": "Never leave an error uncorrected.",
                },
            },
        ],
    }
    by_id = {q["id"]: q for q in questions}
    assert [q["type"] for q in questions] == [
        "single",
        "single",
        "single",
        "multiple",
        "multiple",
        "truefalse",
        "truefalse",
        "truefalse",
        "short",
        "numeric",
        "numeric",
        "numeric",
        "numeric",
        "matching",
        "essay",
        "description",
        "single",
        "short",
        "description",
        "truefalse",
        "single",
    ]
    # Untitled (or title without ASCII letters) -> prefix + position.
    assert {"pay-2", "pay-18", "pay-19"} <= set(by_id)
    assert by_id["pay-2"]["stem"]["zh"] == "批次尚未结算，多收了¥10，应该怎么做？"
    assert "points" not in by_id["intro"]
    assert by_id["multi"]["options"][2] == {
        "id": "c",
        "text": {"zh": "The last four digits", "en": "The last four digits"},
        "fraction": -1.0,
        "feedback": {
            "zh": "No: those are printed on the receipt.",
            "en": "No: those are printed on the receipt.",
        },
    }
    assert [o.get("correct", False) for o in by_id["thirds"]["options"]] == [
        True,
        True,
        True,
        False,
    ]
    assert by_id["tf-true"]["answer"] is True
    assert by_id["tf-true"]["feedback_true"]["en"] == "Right."
    assert "feedback_true" not in by_id["tf-false"]
    assert by_id["numeric-range"]["answers"] == [{"min": 1.0, "max": 5.0, "fraction": 1.0}]
    assert by_id["numeric-multi"]["answers"][2] == {
        "any": True,
        "fraction": 0.0,
        "feedback": {"zh": "Wrong.", "en": "Wrong."},
    }
    assert by_id["match"]["pairs"][3] == {
        "left": {"zh": "", "en": ""},
        "right": {"zh": "Call the bank", "en": "Call the bank"},
    }
    assert by_id["short"]["answers"][2] == {"text": "撤销", "fraction": 1.0}
    assert by_id["essay"]["general_feedback"]["en"] == "Mention the terminal id."
    assert by_id["format-plain"]["format"] == "plain"


def test_bank_ids_are_unique_and_valid() -> None:
    questions = bank(
        "::Q1:: a {T}\n\n::Q1:: b {T}\n\n::q1-2:: c {T}\n\n::!!!:: d {T}\n\n"
        "e {T}\n\n::Été à Paris:: f {T}\n",
        prefix="imp-",
    )
    assert [q["id"] for q in questions] == ["q1", "q1-2", "q1-2-2", "imp-4", "imp-5", "ete-a-paris"]
    with pytest.raises(ValueError, match="id_prefix"):
        bank("Q {T}\n", prefix="Bad Prefix")


def test_bank_refuses_what_it_cannot_hold() -> None:
    text = "::m:: Q {=a -> 1 = -> 3}\n\n::fine:: Q {T}\n\n::none:: Q {~a ~b}\n"
    with pytest.raises(GiftError) as exc:
        bank(text)
    assert exc.value.problems == [
        "t.gift:1: matching needs at least 2 pairs in trainer; this one has 1",
        "t.gift:5: no option is correct (trainer needs at least one)",
    ]


def test_matching_with_two_pairs_imports_as_moodle_does() -> None:
    """Issue #16: Moodle's import takes a matching question with 2 pairs (only its form asks 3)."""
    q = bank("::m:: Match. {=void -> before settlement =refund -> after settlement}\n")[0]
    assert q["type"] == "matching" and len(q["pairs"]) == 2
    # Its rights are shown in either order: never-the-authored-order would give it away.
    orders = {tuple(make_layout(q, random.Random(seed), True)["rights"]) for seed in range(20)}
    assert orders == {(0, 1), (1, 0)}
    with_distractor = bank("::m:: Q {=a -> 1 =b -> 2 = -> 3}\n")[0]
    assert len(with_distractor["pairs"]) == 3


def test_bank_categories() -> None:
    imp = load("tricky.gift")
    questions = to_bank_questions(imp, id_prefix="t")
    categories = bank_categories(imp, questions)
    assert categories["void-or-refund"] == "$course$/top/Payments"
    assert categories["format-moodle"] == "$course$/top/Emergencies"
    assert bank_categories(parse("Q {T}\n"), bank("Q {T}\n")) == {}


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def _q(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": fields.pop("id", "q1"),
        "type": kind,
        "format": fields.pop("format", "moodle"),
        "stem": {"zh": "题目", "en": fields.pop("stem", "Stem")},
        **fields,
    }


def _l(text: str) -> dict[str, str]:
    return {"zh": text, "en": text}


def test_export_like_moodle_essay_and_backslash() -> None:
    text, warnings = export_gift([_q("essay", id="q8", stem="How are you?")])
    assert (text, warnings) == ("// question: q8\n::q8::How are you?{}\n", [])
    text, _ = export_gift([_q("essay", id="backslash", stem="A \\ B \\\\ C")])
    assert "::backslash::A \\\\ B \\\\\\\\ C{}" in text
    assert parse(text).questions[0].text == "A \\ B \\\\ C"


def test_export_like_moodle_multichoice() -> None:
    q = _q(
        "single",
        stem="What's between orange and green in the spectrum?",
        options=[
            {"id": "a", "text": _l("yellow"), "correct": True, "feedback": _l("right; good!")},
            {"id": "b", "text": _l("red"), "feedback": _l("wrong, it's yellow")},
            {"id": "c", "text": _l("blue"), "feedback": _l("wrong, it's yellow")},
        ],
    )
    text, _ = export_gift([q])
    assert text == (
        "// question: q1\n::q1::What's between orange and green in the spectrum?{\n"
        "\t=yellow#right; good!\n\t~red#wrong, it's yellow\n\t~blue#wrong, it's yellow\n}\n"
    )
    multi = _q(
        "multiple",
        options=[
            {"id": "a", "text": _l("yellow"), "fraction": 1.0, "feedback": _l("right; good!")},
            {"id": "b", "text": _l("red"), "fraction": -0.5},
            {"id": "c", "text": _l("blue"), "fraction": -0.5},
        ],
    )
    text, _ = export_gift([multi])
    assert "{\n\t~%100%yellow#right; good!\n\t~%-50%red\n\t~%-50%blue\n}" in text


def test_export_like_moodle_shortanswer_numerical_truefalse_match() -> None:
    short = _q(
        "short",
        general_feedback=_l("Here is some general feedback!"),
        answers=[
            {"text": "Frog", "fraction": 1.0, "feedback": _l("Good!")},
            {"text": "Cat", "fraction": 0.5},
            {"text": "*", "fraction": 0.0, "feedback": _l("Completely wrong")},
        ],
    )
    numeric = _q(
        "numeric",
        id="q5",
        answers=[
            {"value": 3, "tolerance": 2},
            {"any": True, "fraction": 0.0, "feedback": _l("Completely wrong")},
        ],
    )
    tf = _q(
        "truefalse",
        id="tf",
        answer=True,
        feedback_true=_l("You gave the right answer."),
        feedback_false=_l("42 is the Ultimate Answer."),
    )
    match = _q(
        "matching",
        id="m",
        format="html",
        pairs=[
            {"left": _l('<div class="frog">An activity.</div>'), "right": _l("Forum")},
            {"left": _l("Two"), "right": _l("Choice")},
            {"left": _l("Three"), "right": _l("Wiki")},
            {"left": _l(""), "right": _l("Chat")},
        ],
    )
    text, warnings = export_gift([short, numeric, tf, match])
    assert warnings == []
    assert (
        "{\n\t=%100%Frog#Good!\n\t=%50%Cat\n\t=%0%*#Completely wrong\n"
        "\t####Here is some general feedback!\n}"
    ) in text
    assert "::q5::Stem{#\n\t=%100%3:2\n\t~#Completely wrong\n}" in text
    assert "::tf::Stem{TRUE#42 is the Ultimate Answer.#You gave the right answer.}" in text
    assert (
        '::m::[html]Stem{\n\t=<div class\\="frog">An activity.</div> -> Forum\n'
        "\t=Two -> Choice\n\t=Three -> Wiki\n\t= -> Chat\n}"
    ) in text
    assert by_type_counts(parse(text))["matching"] == 1


def test_export_skips_what_gift_cannot_express() -> None:
    questions = [
        _q("ordering", id="steps", steps=[]),
        _q("scenario", id="sc", start="s1", steps=[]),
        _q("truefalse", id="ok", answer=False),
        _q("matching", id="arrow", pairs=[{"left": _l("a -> b"), "right": _l("c")}] * 3),
        _q("short", id="sa", answers=[{"text": "a->b"}]),
        _q("truefalse", id="noanswer"),
    ]
    text, warnings = export_gift(questions)
    assert warnings == [
        "steps: GIFT has no ordering questions; skipped",
        "sc: GIFT has no scenario questions; skipped",
        "arrow: the left-hand text 'a -> b' contains '->', which GIFT cannot escape; skipped",
        "sa: '->' in a short-answer question would be read back as matching; skipped",
        "noanswer: a true/false question needs answer: true or false; skipped",
    ]
    assert [q.name for q in parse(text).questions] == ["ok"]


def test_export_skips_malformed_dicts_and_drops_description_feedback() -> None:
    text, warnings = export_gift(
        [
            _q("matching", id="broken", pairs=["not a pair"]),
            _q("single", id="badfmt", format="rtf", options=[]),
            _q("description", id="intro", explanation=_l("Why.")),
        ]
    )
    assert warnings == [
        "broken: not a well-formed question (AttributeError(\"'str' object has no attribute "
        "'get'\")); skipped",
        "badfmt: unknown format 'rtf'; skipped",
        "intro: the general feedback is dropped (a GIFT description has none)",
    ]
    assert text == "// question: intro\n::intro::Stem\n"


def test_export_native_questions() -> None:
    native = [
        {
            "id": "c4-duplicate",
            "type": "multiple",
            "tags": ["C4", "correction"],
            "difficulty": 2,
            "points": 2,
            "manual": "payment-errors/x#y",
            "scenario": {"kind": "terminal", "lines": []},
            "stem": {"zh": "哪些是对的？", "en": "Which are right?"},
            "explanation": {"zh": "解释", "en": "Because."},
            "options": [
                {"id": "a", "text": _l("one"), "correct": True, "feedback": _l("yes")},
                {"id": "b", "text": _l("two"), "correct": True, "feedback": _l("yes")},
                {"id": "c", "text": _l("three"), "feedback": _l("no")},
            ],
        },
        {
            "id": "amount",
            "type": "numeric",
            "unit": {"zh": "元", "en": "¥"},
            "stem": _l("How much?"),
            "answers": [{"value": 35.0, "tolerance": 0.0}, {"min": 30, "max": 40, "fraction": 0.5}],
        },
        {"id": "essay-1", "type": "essay", "stem": _l("Explain."), "rubric": _l("Look for X.")},
    ]
    text, warnings = export_gift(native, lang="zh")
    assert warnings == [
        "c4-duplicate: the scenario panel is dropped (GIFT has no place for it)",
        "amount: the unit is dropped (GIFT has no place for it)",
        "essay-1: the rubric is dropped (GIFT has no place for it)",
    ]
    assert text.startswith(
        "// question: c4-duplicate\n// [tag:C4] [tag:correction]\n"
        "::c4-duplicate::[markdown]哪些是对的？{\n"
        "\t~%50%one#yes\n\t~%50%two#yes\n\t~%-50%three#no\n\t####解释\n}\n"
    )
    back = to_bank_questions(parse(text), id_prefix="x")
    assert back[0]["tags"] == ["C4", "correction"]
    assert back[0]["format"] == "markdown"
    assert [o["fraction"] for o in back[0]["options"]] == [0.5, 0.5, -0.5]
    assert back[0]["general_feedback"] == _l("解释")
    assert back[1]["answers"] == [
        {"value": 35.0, "tolerance": 0.0, "fraction": 1.0},
        {"min": 30.0, "max": 40.0, "fraction": 0.5},
    ]
    with pytest.raises(ValueError, match="lang"):
        export_gift(native, lang="fr")


def test_export_accepts_loader_normalised_dicts() -> None:
    # trainer.domain.content fills every key in; None means "not given".
    q = _q(
        "numeric",
        id="n",
        scenario=None,
        explanation=None,
        general_feedback=None,
        unit=None,
        answers=[
            {
                "value": 35.0,
                "tolerance": 0.5,
                "min": 34.5,
                "max": 35.5,
                "fraction": 1.0,
                "feedback": None,
            },
            {
                "value": None,
                "tolerance": None,
                "min": 30,
                "max": 40,
                "fraction": 0.5,
                "feedback": None,
            },
        ],
    )
    text, warnings = export_gift([q])
    assert warnings == []
    assert "{#\n\t=%100%35:0.5\n\t=%50%30..40\n}" in text
    text, warnings = export_gift([_q("numeric", id="m", answers=[{"fraction": 1.0}])])
    assert (text, warnings) == ("", ["m: a numeric answer needs value or min and max; skipped"])


def test_export_guards_texts_that_look_like_syntax() -> None:
    q = _q(
        "single",
        stem="[html] is not a tag here",
        options=[
            {"id": "a", "text": _l("%50% off"), "correct": True},
            {"id": "b", "text": _l("[plain] text"), "feedback": _l("[x] fb")},
            {"id": "c", "text": _l("%-100%")},
        ],
    )
    short = _q("short", id="s2", answers=[{"text": "%5%"}, {"text": "[html]"}])
    text, warnings = export_gift([q, short])
    assert warnings == []
    imp = parse(text)
    assert imp.warnings == []
    back = imp.questions[0]
    assert back.text == "[html] is not a tag here"
    assert [(a.text, a.fraction, a.feedback) for a in back.answers] == [
        ("%50% off", 1.0, ""),
        ("[plain] text", 0.0, "[x] fb"),
        ("%-100%", 0.0, ""),
    ]
    assert [a.text for a in imp.questions[1].answers] == ["%5%", "[html]"]


def test_export_single_with_only_full_marks_options_stays_multichoice() -> None:
    q = _q(
        "single",
        options=[
            {"id": "a", "text": _l("x"), "correct": True},
            {"id": "b", "text": _l("y"), "fraction": 1.0},
        ],
    )
    text, _ = export_gift([q])
    back = parse(text).questions[0]
    assert (back.qtype, back.single, [a.fraction for a in back.answers]) == (
        "multichoice",
        True,
        [1.0, 1.0],
    )


def test_export_warns_about_weights_moodle_refuses_and_bad_numbers() -> None:
    options = [{"id": f"o{i}", "text": _l(f"o{i}"), "correct": i < 11} for i in range(12)]
    text, warnings = export_gift(
        [
            _q("multiple", id="eleven", options=options),
            _q("numeric", id="nan", answers=[{"value": math.nan}]),
        ]
    )
    assert warnings[0] == (
        "eleven: weight 9.09091% is not one of Moodle's grades; Moodle will refuse it"
    )
    assert warnings[-1] == "nan: nan is not a finite number; skipped"
    with pytest.raises(GiftError):
        parse(text)


def test_export_categories_and_tags() -> None:
    questions = [
        _q("truefalse", id="a", answer=True, tags=["x", "bad]tag"]),
        _q("truefalse", id="b", answer=True),
        _q("truefalse", id="c", answer=True),
    ]
    text, warnings = export_gift(
        questions, categories={"a": "top/One", "b": "top/One", "c": "top/Two"}
    )
    assert warnings == ["a: tag 'bad]tag' cannot be written in a GIFT comment; dropped"]
    imp = parse(text)
    assert imp.categories == ["top/One", "top/Two"]
    assert [q.category for q in imp.questions] == ["top/One", "top/One", "top/Two"]
    assert imp.questions[0].tags == ["x"]
    assert text.count("$CATEGORY:") == 2


# ---------------------------------------------------------------------------------------------
# Round trip: parse -> bank -> export -> parse -> bank is the identity
# ---------------------------------------------------------------------------------------------

ROUND_TRIP = [
    ("moodle_questions.gift.txt", None),
    ("moodle_questions_in_category.gift.txt", None),
    ("moodle_questions_encoding_windows-1252.gift.txt", "cp1252"),
    ("moodle_examples.gift.txt", None),
    ("tricky.gift", None),
    ("crlf_bom.gift", None),
]


def test_round_trip_covers_every_valid_fixture() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir()}
    assert on_disk == {name for name, _ in ROUND_TRIP} | {"malformed.gift"}


@pytest.mark.parametrize(("name", "encoding"), ROUND_TRIP)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_trip(name: str, encoding: str | None, lang: str) -> None:
    imp = load(name, encoding)
    first = to_bank_questions(imp, id_prefix="rt")
    text, warnings = export_gift(first, lang=lang, categories=bank_categories(imp, first))
    assert warnings == []
    again = parse_gift(text, "exported.gift")
    # Exporting adds no warning of its own (some, like Moodle's '*' wildcard, carry over).
    assert {w.split(": ", 1)[1] for w in again.warnings} <= {
        w.split(": ", 1)[1] for w in imp.warnings
    }
    assert again.categories == imp.categories
    assert [q.category for q in again.questions] == [q.category for q in imp.questions]
    second = to_bank_questions(again, id_prefix="rt")
    assert normalised(second) == normalised(first)
    # A second export is byte-for-byte the same.
    assert export_gift(second, lang=lang, categories=bank_categories(again, second)).text == text
