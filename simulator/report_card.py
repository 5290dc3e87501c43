"""The report card at the end of a mock interview: each question's coverage (first answer,
and with the follow-up), each section's, delivery, the three points most worth studying (with
the part of the hint that explains them), and the change since the last mock interview."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from questions.meaning import hint_parts
from simulator.drawing import bar
from simulator.round_events import ScoredAnswer


@dataclass(frozen=True)
class QuestionLine:
    question_id: str
    section: str
    first: float
    with_follow_up: float
    follow_up: str  # the follow-up asked ("" when none was)


@dataclass(frozen=True)
class StudyPoint:
    label: str
    question_id: str
    hint: str  # the part of the question's hint that explains the point
    weight: float


@dataclass(frozen=True)
class ReportCard:
    questions: tuple[QuestionLine, ...]
    sections: tuple[tuple[str, float, float], ...]  # (section, first, with follow-up)
    first: float
    with_follow_up: float
    words_per_minute: float | None
    fillers_per_minute: float | None
    first_word_s: float | None
    over_time: int
    study: tuple[StudyPoint, ...]
    previous: float | None  # the last mock interview's first-answer coverage


def report_card(answers: Sequence[ScoredAnswer], previous: float | None) -> ReportCard:
    lines = tuple(
        QuestionLine(
            a.question.id,
            a.question.section,
            a.coverage.coverage,
            a.coverage_with_follow_up,
            a.follow_up.follow_up.prompt if a.follow_up else "",
        )
        for a in answers
    )
    sections: dict[str, list[QuestionLine]] = {}
    for line in lines:
        sections.setdefault(line.section, []).append(line)
    deliveries = [a.delivery for a in answers]
    return ReportCard(
        questions=lines,
        sections=tuple(
            (name, _mean(x.first for x in group), _mean(x.with_follow_up for x in group))
            for name, group in sections.items()
        ),
        first=_mean(x.first for x in lines),
        with_follow_up=_mean(x.with_follow_up for x in lines),
        words_per_minute=_mean_known(d.words_per_minute for d in deliveries),
        fillers_per_minute=_mean_known(d.fillers_per_minute for d in deliveries),
        first_word_s=_mean_known(d.time_to_first_word_s for d in deliveries),
        over_time=sum(d.over_time for d in deliveries),
        study=_study(answers),
        previous=previous,
    )


def _study(answers: Sequence[ScoredAnswer], count: int = 3) -> tuple[StudyPoint, ...]:
    """The heaviest points the interview never heard, not even after a follow-up."""
    points = []
    for answer in answers:
        recovered = set(answer.follow_up.recovered) if answer.follow_up else set()
        parts = hint_parts(answer.question)
        for result, part in zip(answer.coverage.concepts, parts, strict=True):
            if not result.covered and result.concept.id not in recovered:
                concept = result.concept
                points.append(StudyPoint(concept.label, answer.question.id, part, concept.weight))
    points.sort(key=lambda p: -p.weight)  # stable: earlier questions first among equals
    return tuple(points[:count])


def render(card: ReportCard, width: int = 72) -> str:
    """The report card as text (the console prints it; the TUI shows it)."""
    out = ["Report card", "=" * 11, ""]
    out.append(f"{'question':<18} {'first answer':<28} with follow-up")
    for q in card.questions:
        out.append(
            f"{q.question_id:<18.18} {q.first:4.0%} {bar(q.first, 20)}   {q.with_follow_up:4.0%}"
        )
    out += ["", f"{'section':<22} first   with follow-up"]
    out += [f"{name:<22} {first:4.0%}    {later:4.0%}" for name, first, later in card.sections]
    out += [
        "",
        f"Overall: {card.first:.0%} in first answers, {card.with_follow_up:.0%} with follow-ups.",
    ]
    if card.previous is not None:
        change = card.first - card.previous
        out.append(
            f"Since your last mock interview: {card.previous:.0%} -> {card.first:.0%} "
            f"({change:+.0%})."
        )
    else:
        out.append("This is your first mock interview: the next one will be compared with it.")
    out += ["", "Delivery:"]
    out.append(f"  pace {_figure(card.words_per_minute, '{:.0f} words a minute')}")
    out.append(f"  fillers {_figure(card.fillers_per_minute, '{:.1f} a minute')}")
    out.append(f"  time to first word {_figure(card.first_word_s, '{:.1f} s on average')}")
    out.append(f"  over the time budget: {card.over_time} of {len(card.questions)} answers")
    if card.study:
        out += ["", "Most worth studying:"]
        for n, point in enumerate(card.study, start=1):
            out.append(f"  {n}. {point.label} ({point.question_id})")
            out += textwrap.wrap(
                point.hint, width, initial_indent="     ", subsequent_indent="     "
            )
    return "\n".join(out) + "\n"


def _mean(values: object) -> float:
    found = list(values)  # type: ignore[call-overload]
    return statistics.fmean(found) if found else 0.0


def _mean_known(values: object) -> float | None:
    found = [v for v in values if v is not None]  # type: ignore[attr-defined]
    return statistics.fmean(found) if found else None


def _figure(value: float | None, form: str) -> str:
    return "– (no word timings: typed answers)" if value is None else form.format(value)
