"""The command line composes the real adapters and hands them to the interface; checked
without starting it."""

from __future__ import annotations

from typing import Any

import pytest

from audio.ports import AudioError
from simulator import cli, config, rounds_cli
from simulator.tui.app import InterviewApp


def test_run_tui_wires_settings_bank_history_and_typed_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[InterviewApp] = []
    monkeypatch.setattr(InterviewApp, "run", lambda self, *a, **k: started.append(self))
    monkeypatch.setattr(rounds_cli, "_interactive", lambda: True)
    config.Settings(drill_prepare_s=3).save(config.paths().config_file)
    argv = ["drill", "--typed", "--section", "beginner", "--count", "2", "--order", "fixed"]
    assert cli.main(argv) == 0
    (app,) = started
    services = app.services
    assert app.initial == ("drill", {"sections": ["Beginner"], "count": 2, "order": "fixed"})
    assert services.settings.drill_prepare_s == 3
    assert services.settings_path == config.paths().config_file
    assert services.recordings_dir == config.paths().recordings_dir
    assert len(services.questions) >= 50
    with pytest.raises(AudioError, match="--typed"):
        services.make_recorder(services.settings)
    assert services.history.path.parent == config.paths().data_dir


def test_unknown_mode_is_reported_not_fatal(rig_factory: Any) -> None:
    app, _ = rig_factory()
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    app.start_mode("karaoke")
    assert notes and "karaoke" in notes[0]
