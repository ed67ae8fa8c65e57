"""Fixtures of the domain tests (pure Python: no app, no database)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.domain.content.tree import FIXTURE


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A fresh copy of the fixture content tree to break."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    return root
