"""Reading the answers of each Moodle question type (format.php readquestion's switch)."""

from __future__ import annotations

from trainer.domain.messages import N_
from trainer.domain.questions.gift.model import (
    _NO_FULL_MARKS,
    GiftAnswer,
    GiftPair,
    GiftQuestion,
    _pct,
)
from trainer.domain.questions.gift.source import _PHP_WS, _WEIGHT_RE, _is_numeric, _Src


class AnswerReaders:
    """The _Parser methods that read one Moodle type's answers (``{…}`` after the text)."""

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
