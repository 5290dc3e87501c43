"""Shared fixtures: an isolated INTERVIEW_SIM_HOME for every test, and the built-in bank."""

from __future__ import annotations

from pathlib import Path

import pytest

from questions.bank import QuestionSet, builtin_bank_paths
from tests.virtual_audio import virtual_audio  # noqa: F401 - the sound tests' fixture


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("INTERVIEW_SIM_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def bank() -> QuestionSet:
    return QuestionSet.from_paths(builtin_bank_paths())
