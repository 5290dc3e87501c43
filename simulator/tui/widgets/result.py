"""The result of one answer: coverage, concepts, highlighted transcript, hint, delivery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from simulator.history_rows import AttemptRow
from simulator.round_events import ScoredAnswer
from simulator.tui.widgets.render import (
    comments_text,
    concepts_text,
    coverage_line,
    highlighted,
)


@dataclass(frozen=True)
class ResultData:
    """What the result view shows; built from a fresh Answer or a stored attempt."""

    coverage: float
    concepts: Sequence[Mapping[str, Any]]
    transcript: str
    hint: str = ""
    comments: Sequence[str] = ()
    note: str = ""  # e.g. "typed answer" or "result ready 0.4 s after you stopped"
    follow_up: Text | None = None  # the follow-up asked, its answer and what it recovered
    extra: dict[str, Any] = field(default_factory=dict)
    heard: str | None = None  # what recognition heard, when the user corrected it

    @classmethod
    def from_answer(cls, answer: ScoredAnswer) -> ResultData:
        data = answer.coverage.to_dict()
        concepts = data["concepts"]
        assert isinstance(concepts, list)
        if answer.recording is None:
            note = "Typed answer."
        elif answer.corrected:
            note = "Transcript corrected by you."
        else:
            note = f"Result ready {answer.ready_after_s:.1f} s after you stopped."
        follow_up = None
        if answer.follow_up is not None:
            done = answer.follow_up
            labels = {c.id: c.label for c in answer.question.concepts}
            follow_up = follow_up_text(
                done.follow_up.prompt,
                done.transcript.text,
                [labels[c] for c in done.recovered],
                done.coverage_with,
            )
        return cls(
            answer.coverage.coverage,
            concepts,
            answer.coverage.transcript,
            answer.question.hint,
            answer.delivery.comments,
            note,
            follow_up,
            heard=answer.transcript.text if answer.corrected else None,
        )

    @classmethod
    def from_attempt(cls, attempt: AttemptRow, hint: str = "") -> ResultData:
        delivery = attempt.delivery or {}
        comments = [str(c) for c in delivery.get("comments", [])]
        when = attempt.created.astimezone().strftime("%Y-%m-%d %H:%M")
        note = f"{when} · {'recorded' if attempt.audio_path else 'typed'}"
        if attempt.corrected:
            note += " · transcript corrected by you"
        follow_up = None
        if attempt.follow_up is not None:
            done = attempt.follow_up
            labels = {c["id"]: c.get("label", c["id"]) for c in attempt.concepts}
            follow_up = follow_up_text(
                done.prompt, done.transcript, [labels.get(c, c) for c in done.recovered],
                done.coverage_with,
            )  # fmt: skip
        return cls(
            attempt.coverage, attempt.concepts, attempt.transcript, hint, comments, note,
            follow_up, heard=attempt.heard,
        )  # fmt: skip


def follow_up_text(prompt: str, said: str, recovered: list[str], with_it: float) -> Text:
    """The follow-up part of a result: the question, the answer, what it recovered."""
    text = Text("Follow-up: ", style="bold")
    text.append(prompt)
    text.append("\n")
    text.append(said or "(nothing was said)", style="italic")
    text.append("\nRecovered: ", style="bold")
    text.append(", ".join(recovered) if recovered else "nothing new")
    text.append(f" · with the follow-up {with_it:.0%} (the first answer's score stays)")
    return text


class ResultView(VerticalScroll, can_focus=True):
    """Scrollable: everything about one answer, most important first."""

    def __init__(self, data: ResultData | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._data = data

    def compose(self) -> ComposeResult:
        yield Static(id="coverage", classes="result-coverage")
        yield Static(id="concepts", classes="result-concepts")
        yield Static("What you said", classes="result-heading")
        yield Static(id="transcript", classes="result-transcript")
        yield Static(id="follow-up", classes="result-follow-up")
        yield Static("Delivery", classes="result-heading")
        yield Static(id="comments", classes="result-comments")
        yield Static("A strong answer covers", classes="result-heading")
        yield Static(id="hint", classes="result-hint")

    def on_mount(self) -> None:
        if self._data is not None:
            self.show(self._data)

    def show(self, data: ResultData) -> None:
        self._data = data
        line = coverage_line(data.coverage)
        if data.note:
            line.append(f"   {data.note}", style="dim")
        self.query_one("#coverage", Static).update(line)
        self.query_one("#concepts", Static).update(concepts_text(data.concepts))
        said = highlighted(data.transcript, data.concepts)
        if data.heard is not None:
            said.append(f"\n\nHeard before you corrected it: {data.heard}", style="dim")
        self.query_one("#transcript", Static).update(said)
        follow_up = self.query_one("#follow-up", Static)
        follow_up.update(data.follow_up or "")
        follow_up.display = data.follow_up is not None
        self.query_one("#comments", Static).update(comments_text(data.comments))
        self.query_one("#hint", Static).update(Text(data.hint or "–"))
        self.scroll_home(animate=False)
