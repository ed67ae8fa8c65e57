"""Moodle GIFT import and export, written by hand to Moodle's own semantics.

- ``parser.py`` and ``answers.py``: a GIFT file read as Moodle's ``qformat_gift`` reads it
  (questions of Moodle's types, with every problem and warning at its line);
- ``bank.py``: imported questions as bank questions, through each question type's
  ``from_gift``;
- ``writer.py``: bank questions written as GIFT, through each type's ``to_gift``;
- ``model.py`` and ``source.py``: the data they share.

Pure Python: no Flask, no SQLAlchemy.
"""

from trainer.domain.questions.gift.bank import bank_categories, to_bank_questions
from trainer.domain.questions.gift.model import (
    FORMATS,
    QTYPES,
    GiftAnswer,
    GiftError,
    GiftExport,
    GiftImport,
    GiftPair,
    GiftQuestion,
)
from trainer.domain.questions.gift.parser import by_type_counts, decode_gift, parse_gift
from trainer.domain.questions.gift.writer import export_gift

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
