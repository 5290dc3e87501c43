"""Hardening round 2: settings of the wrong type, output paths that would destroy data,
rescoring against the wrong bank, and inputs and encodings that crashed or misled. Every case
is in the catalogue (tests/reliability/CATALOGUE.md) with what the user sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from questions.bank import load_bank
from questions.errors import BankError
from simulator import config
from simulator.cli import main
from simulator.config import Settings, SettingsError
from simulator.history import History
from tests.reliability.conftest import ROOT, STRONG, one_line_error, run_cli

GOOD_BANK = """[bank]
id = "mine"
[[questions]]
id = "{qid}"
section = "Mine"
prompt = "How do you keep secrets?"
hint = "Store them in a vault; rotate them automatically."
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write_settings(text: str) -> Path:
    path = config.paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def saved_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "score", "--question", "beginner-01", "--text", STRONG, "--save")
    assert code == 0, err


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (
            'allow_download = "false"',
            "setting 'allow_download' = \"false\": expected true or false",
        ),
        ('keep_fillers = "false"', "setting 'keep_fillers' = \"false\": expected true or false"),
        ('silence_stop_s = "4"', "setting 'silence_stop_s' = \"4\": expected a number from 0"),
        ("input_device = 3.5", "setting 'input_device' = 3.5: expected a microphone's name"),
        ("rate_wpm = 1000", "setting 'rate_wpm' = 1000: expected a whole number from 80 to 400"),
        ('device = "gpu"', 'setting \'device\' = "gpu": expected one of "cpu"'),
        ("drill_prepare_s = true", "setting 'drill_prepare_s' = true: expected a whole number"),
        ('model = ""', "setting 'model' = \"\": expected a non-empty text"),
        ("follow_ups = 2", "setting 'follow_ups' = 2: expected a whole number from 0 to 1"),
    ],
)
def test_a_wrong_setting_is_refused_naming_file_key_value_and_expectation(
    capsys: pytest.CaptureFixture[str], line: str, words: str
) -> None:
    path = write_settings(f"# mine\n{line}\n")
    code, _, err = run(capsys, "questions")
    message = one_line_error(err)
    assert code == 1 and str(path) in message and words in message


def test_allow_download_written_as_text_never_enables_downloads() -> None:
    path = write_settings('allow_download = "false"\n')
    with pytest.raises(SettingsError):
        Settings.load(path)
    assert Settings.load(write_settings("allow_download = false\n")).allow_download is False


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.mkdir(parents=True), "is a folder, not a settings file"),
        (lambda p: p.write_bytes(b"model = '\xff'\n"), "not UTF-8 text"),
        (lambda p: p.write_text("model = \n"), "TOML syntax error"),
    ],
)
def test_an_unreadable_settings_file_is_one_line(
    capsys: pytest.CaptureFixture[str], make: object, words: str
) -> None:
    path = config.paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    make(path)  # type: ignore[operator]
    code, _, err = run(capsys, "questions")
    assert code == 1 and words in one_line_error(err)


def test_saving_keeps_comments_and_unknown_keys(capsys: pytest.CaptureFixture[str]) -> None:
    path = write_settings(
        '# my microphone at home\ninput_device = "USB mic"\n\n# for later\nfuture_key = 7\n'
    )
    settings = Settings.load(path)
    assert settings.unknown == ("future_key",)
    Settings(input_device="Laptop mic", rate_wpm=150).save(path)
    text = path.read_text(encoding="utf-8")
    assert "# my microphone at home" in text and "# for later" in text
    assert "future_key = 7" in text and 'input_device = "Laptop mic"' in text
    assert Settings.load(path).rate_wpm == 150
    code, _, err = run(capsys, "questions")
    assert code == 0 and "unknown setting 'future_key' (kept, not used)" in err


def test_saving_a_linked_settings_file_updates_the_file_it_points_to(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "interview-sim.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text("rate_wpm = 150\n", encoding="utf-8")
    path = config.paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(dotfiles)
    Settings(rate_wpm=190).save(path)
    assert path.is_symlink() and Settings.load(dotfiles).rate_wpm == 190
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_settings_with_a_byte_order_mark_load() -> None:
    path = config.paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\ufeffrate_wpm = 150\n".encode())
    assert Settings.load(path).rate_wpm == 150


# --- output targets --------------------------------------------------------------------------


def test_export_never_writes_onto_the_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved_answer(capsys)
    db = config.paths().data_dir / "history.sqlite3"
    link = tmp_path / "report.md"
    link.symlink_to(db)
    sneaky = config.paths().data_dir / "recordings" / ".." / "history.sqlite3"
    hard = config.paths().data_dir / "another-name.md"
    os.link(db, hard)
    for target in (db, link, sneaky, hard, db.with_name("history.sqlite3-wal")):
        code, _, err = run(capsys, "export", "--format", "md", "--output", str(target))
        assert code == 1 and "keeps your history there" in one_line_error(err), target
    with History.open() as history:
        assert history.integrity() == "ok" and len(history.attempts()) == 1


def test_bank_import_never_writes_onto_the_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved_answer(capsys)
    link = tmp_path / "bank.toml"
    link.symlink_to(config.paths().data_dir / "history.sqlite3")
    prep = tmp_path / "prep.md"
    prep.write_text("## Mine\n\nQ1: How do you keep secrets?\nHint: a vault; rotation.\n")
    code, _, err = run(capsys, "bank", "import", str(prep), "--output", str(link), "--force")
    assert code == 1 and "keeps your history there" in one_line_error(err)
    with History.open() as history:
        assert history.integrity() == "ok" and len(history.attempts()) == 1


def test_export_to_a_device_writes_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    saved_answer(capsys)
    code, _, err = run(capsys, "export", "--format", "md", "--output", os.devnull)
    assert code == 0, err
    assert Path(os.devnull).is_char_device()  # not replaced by a regular file


def test_export_through_a_symlink_replaces_its_target_and_keeps_the_link(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved_answer(capsys)
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    code, _, err = run(capsys, "export", "--format", "md", "--output", str(link))
    assert code == 0, err
    assert link.is_symlink() and real.read_text().startswith("# Interview practice report")


@pytest.mark.parametrize(
    ("target", "words"),
    [("missing/folder/report.md", "does not exist; create it first"), (".", "is a folder")],
)
def test_export_to_a_missing_folder_or_a_folder_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str, words: str
) -> None:
    saved_answer(capsys)
    code, _, err = run(capsys, "export", "--format", "md", "--output", str(tmp_path / target))
    assert code == 1 and words in one_line_error(err)


def test_a_full_stdout_is_an_error_not_success(capsys: pytest.CaptureFixture[str]) -> None:
    saved_answer(capsys)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tests.reliability.runner", "export", "--all", "--format",
             "json"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, check=False,
            env=os.environ.copy(),
        )  # fmt: skip
    assert done.returncode == 1
    assert "cannot write the output (No space left on device)" in one_line_error(done.stderr)


# --- banks: id clashes, rescoring, byte-order marks, one-letter terms ------------------------


def test_an_id_clash_is_printed_wherever_banks_are_loaded(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    folder = isolated_home / "config" / "banks"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(GOOD_BANK.format(qid="beginner-01"), encoding="utf-8")
    code, out, err = run(capsys, "questions")
    assert code == 0 and "beginner-01" in out
    assert "warning:" in err and "'beginner-01' is also in an earlier bank" in err


def test_rescore_skips_answers_whose_bank_is_gone_and_can_be_undone(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    folder = isolated_home / "config" / "banks"
    folder.mkdir(parents=True)
    bank = folder / "mine.toml"
    bank.write_text(GOOD_BANK.format(qid="mine-01"), encoding="utf-8")
    answer = "I keep them in a vault and rotate them automatically every night."
    code, _, err = run(capsys, "score", "--question", "mine-01", "--text", answer, "--save")
    assert code == 0, err
    bank.unlink()  # the user removed their bank
    code, out, _ = run(capsys, "history", "rescore")
    assert code == 0 and "1 skipped, their bank is no longer installed" in out
    with History.open() as history:
        (kept,) = history.attempts()
    assert kept.coverage == 1.0 and kept.bank_id == "mine"
    bank.write_text(GOOD_BANK.format(qid="mine-01").replace("rotate them", "audit them"))
    code, out, _ = run(capsys, "history", "rescore")
    assert code == 0 and "1 changed" in out and "--undo" in out
    code, out, _ = run(capsys, "history", "rescore", "--undo")
    assert code == 0 and "earlier score of 1 answer" in out
    with History.open() as history:
        assert history.attempts()[0].coverage == 1.0
    code, out, _ = run(capsys, "history", "rescore", "--undo")
    assert code == 0 and "Nothing to undo" in out


def test_a_bank_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(("\ufeff" + GOOD_BANK.format(qid="q-01")).encode())
    assert load_bank(path).questions[0].id == "q-01"


def test_one_letter_terms_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    concepts = "".join(
        f'[[questions.concepts]]\nid = "c{n}"\nlabel = "C{n}"\nterms = ["{t}"]\n'
        for n, t in enumerate(["a", "vault", "rotation"])
    )
    path.write_text(GOOD_BANK.format(qid="q-01") + concepts, encoding="utf-8")
    with pytest.raises(BankError, match="'a' is a single character"):
        load_bank(path)


# --- inputs and encodings --------------------------------------------------------------------


def test_typed_answers_at_the_end_of_input_end_the_round_cleanly() -> None:
    result = run_cli(
        "practice", "--typed", "--plain", "--count", "3", "--order", "fixed",
        env={"RELIABILITY_NO_TTS": "1"}, stdin=STRONG + "\n",
    )  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "No more input; every finished answer is saved." in result.stdout
    with History.open() as history:
        assert len(history.attempts()) == 1


@pytest.mark.parametrize("count", ["0", "-2"])
def test_a_count_below_one_is_refused(capsys: pytest.CaptureFixture[str], count: str) -> None:
    code, _out, err = run(capsys, "practice", "--typed", "--count", count)
    assert code == 2 and "must be 1 or more" in one_line_error(err)


def test_a_terminal_that_cannot_show_the_marks_gets_question_marks() -> None:
    env = {"PYTHONIOENCODING": "ascii"}
    result = run_cli("score", "--question", "beginner-01", "--text", STRONG, "--save", env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "Coverage" in result.stdout and "?" in result.stdout  # ✓ and █ cannot be shown
    with History.open() as history:
        assert len(history.attempts()) == 1  # saved once; nothing to retry


def test_batch_errors_name_the_right_line_and_unicode_separators_do_not_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = {"id": "ok", "question_id": "beginner-01", "text": "never trust\u2028always verify\x85"}
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(
        ("\ufeff" + json.dumps(good, ensure_ascii=False) + "\n\n\n{not json}\n").encode()
    )
    code, out, _err = run(capsys, "score", "--batch", str(batch))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r.get("id") for r in records] == ["ok", None]
    assert records[0]["coverage"] > 0 and records[1]["line"] == 4
    assert records[1]["error"].startswith("line 4: not JSON")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.mkdir(), "is a folder; give one recording file inside it"),
        (lambda p: os.mkfifo(p), "is not a regular file"),
    ],
)
def test_a_folder_or_a_pipe_as_audio_is_one_line_and_never_blocks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object, words: str
) -> None:
    target = tmp_path / "answer.wav"
    make(target)  # type: ignore[operator]
    code, _, err = run(capsys, "score", "--question", "beginner-01", "--audio", str(target))
    assert code == 1 and words in one_line_error(err)


def test_a_typed_answer_has_a_size_limit(capsys: pytest.CaptureFixture[str]) -> None:
    huge = "never trust, always verify. " * 3000  # 84,000 characters
    code, _, err = run(capsys, "score", "--question", "beginner-01", "--text", huge, "--save")
    assert code == 1 and "one answer may have at most 50,000" in one_line_error(err)
    with History.open() as history:
        assert history.attempts() == []


def test_recover_sets_aside_a_recording_it_cannot_score(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    recordings = isolated_home / "data" / "recordings"
    recordings.mkdir(parents=True)
    broken = recordings / "20260101-120000-beginner-01.wav"
    broken.write_bytes(b"RIFF not really a wav")
    code, out, _ = run(capsys, "recover")
    assert code == 0 and "could not score" in out and "unscorable" in out
    assert not broken.exists() and (recordings / "unscorable" / broken.name).exists()
    code, out, _ = run(capsys, "recover")
    assert code == 0 and out == "No unfinished recordings.\n"  # not offered again
