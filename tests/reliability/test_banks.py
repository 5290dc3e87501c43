"""Broken, hostile and huge question banks through ``interview-sim bank validate`` and
``--bank``: one line naming the file (and question and field), exit 1; warnings for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from questions.bank import MAX_BANK_BYTES
from simulator.cli import main
from tests.reliability.conftest import one_line_error
from tests.test_bank import GOOD


def validate(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    code = main(["bank", "validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def bank_file(tmp_path: Path, text: str, name: str = "bank.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(capsys: pytest.CaptureFixture[str], path: Path, *words: str) -> str:
    code, out, err = validate(capsys, path)
    assert code == 1 and out == ""
    line = one_line_error(err)
    assert str(path) in line
    for word in words:
        assert word in line, line
    return line


def test_toml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bank_file(tmp_path, GOOD.replace('prompt = "What', "prompt = What", 1))
    refused(capsys, path, "TOML syntax error", "line")


def test_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bank_file(tmp_path, "questions:\n  - id: [unclosed\n", "bank.yaml")
    refused(capsys, path, "YAML error")


def test_duplicate_question_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = GOOD.split("[[questions]]", 1)[1]
    path = bank_file(tmp_path, GOOD + "\n[[questions]]" + body)
    refused(capsys, path, "question 'q-01'", "duplicate id")


@pytest.mark.parametrize("field", ["section", "prompt", "hint"])
def test_missing_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str) -> None:
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{field} =")]
    path = bank_file(tmp_path, "\n".join(lines))
    refused(capsys, path, "question 'q-01'", f"field '{field}'", "required")


@pytest.mark.parametrize("weight", ["0", "-1", "nan", "inf", "true", '"heavy"'])
def test_zero_negative_or_odd_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], weight: str
) -> None:
    path = bank_file(tmp_path, GOOD.replace("weight = 2", f"weight = {weight}", 1))
    refused(capsys, path, "concept 'filter'", "field 'weight'", "greater than 0")


@pytest.mark.parametrize("terms", ["[]", '[""]', '["  ", "?!"]', '"not a list"', "[1, 2]"])
def test_empty_term_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str], terms: str) -> None:
    path = bank_file(
        tmp_path, GOOD.replace('terms = ["stateful inspection"]', f"terms = {terms}", 1)
    )
    refused(capsys, path, "concept 'stateful'", "field 'terms'")


def test_ten_megabyte_bank_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = GOOD.split("[[questions]]", 1)[1]
    parts = [GOOD]
    size, n = len(GOOD), 2
    while size < 10 * 1024 * 1024:
        chunk = "\n[[questions]]" + body.replace('id = "q-01"', f'id = "q-{n:06d}"')
        parts.append(chunk)
        size += len(chunk)
        n += 1
    path = bank_file(tmp_path, "".join(parts))

    read = Path.read_bytes

    def never(self: Path) -> bytes:
        if self == path:
            raise AssertionError("an oversized bank must be refused before it is read")
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", never)  # refused from its size alone
    refused(capsys, path, "10 MB is too large", f"limit {MAX_BANK_BYTES // 2**20} MB", "split")


def test_bank_at_the_size_limit_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = GOOD.split("[[questions]]", 1)[1]
    parts, size, n = [GOOD], len(GOOD), 2
    while True:
        chunk = "\n[[questions]]" + body.replace('id = "q-01"', f'id = "q-{n:06d}"')
        if size + len(chunk) > MAX_BANK_BYTES:
            break
        parts.append(chunk)
        size += len(chunk)
        n += 1
    path = bank_file(tmp_path, "".join(parts))
    code, out, err = validate(capsys, path)
    assert code == 0 and f"{n - 1} questions" in out, err


def test_non_utf8_bank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(GOOD.replace("firewall", "pare-feu é").encode("latin-1"))
    refused(capsys, path, "not UTF-8", "offset", "save the file as UTF-8")


def test_unknown_fields_are_warnings_not_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("time_limit_s = 60", "time_limit_s = 60\ncolour = 1", 1)
    text = text.replace('title = "Mini"', 'title = "Mini"\nauthor = "me"', 1)
    code, out, err = validate(capsys, bank_file(tmp_path, text))
    assert code == 0 and "ok: bank 'mini'" in out
    warnings = err.splitlines()
    assert len(warnings) == 2 and all(w.startswith("warning: ") for w in warnings), err
    assert "unknown field 'colour' ignored" in err and "'bank.author'" in err


def test_yaml_with_non_text_keys_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml_text = """
questions:
  - id: y-01
    section: S
    prompt: Why?
    hint: Because.
    1: one
    2024-01-01: date
    concepts:
      - {id: a, terms: [alpha]}
      - {id: b, terms: [beta]}
      - {id: c, terms: [gamma]}
"""
    code, _out, err = validate(capsys, bank_file(tmp_path, yaml_text, "bank.yaml"))
    assert code == 0 and "unknown field '1'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/name:os.system",
    ],
)
def test_yaml_object_constructing_tags_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tag: str
) -> None:
    marker = tmp_path / "pwned"
    path = bank_file(tmp_path, f"questions: {tag.format(marker=marker)}\n", "evil.yaml")
    code, _out, err = validate(capsys, path)
    assert code == 1 and not marker.exists()
    assert str(path) in one_line_error(err)


def test_yaml_impossible_date_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = bank_file(tmp_path, "bank: {id: x, version: 2024-02-30}\nquestions: []\n", "d.yaml")
    refused(capsys, path, "YAML")


def test_deeply_nested_bank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bank_file(tmp_path, "questions = " + "[" * 5000 + "]" * 5000 + "\n")
    refused(capsys, path)


def test_broken_bank_in_the_banks_folder_names_it(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = isolated_home / "config" / "banks"
    folder.mkdir(parents=True)
    broken = folder / "mine.toml"
    broken.write_text(GOOD.replace("weight = 2", "weight = 0", 1), encoding="utf-8")
    code = main(["score", "--question", "beginner-01", "--text", "never trust"])
    _, err = capsys.readouterr()
    assert code == 1 and str(broken) in one_line_error(err)
