"""The console round (``--plain``, or no terminal to draw in): the round service's events as
lines of text, and its commands from the keyboard (Enter to start and stop, typed answers)."""

from __future__ import annotations

import io
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from questions.bank import Question
from questions.errors import SimulatorError
from simulator.drawing import bar
from simulator.report import render_coverage
from simulator.report_card import render, report_card
from simulator.round_events import (
    FollowedUp,
    Listening,
    Problem,
    RoundEvent,
    Scored,
    ScoredAnswer,
    Spoken,
    Transcribing,
)
from simulator.rounds import Round

KINDS = {"practice": "Practice round", "drill": "Timed drill", "interview": "Mock interview"}


class ConsoleRound:
    """Prints what the round reports and asks the candidate for what it needs."""

    def __init__(self, round_: Round, out: TextIO = sys.stdout, keys: TextIO = sys.stdin) -> None:
        self.round = round_
        self.out = out
        self.keys = keys
        self._worker: threading.Thread | None = None
        round_.on_event = self.show

    def run(self) -> list[ScoredAnswer]:
        rnd = self.round
        kind = KINDS.get(rnd.config.mode, "Practice round")
        self.say(
            f"\n{kind}: {len(rnd.plan.questions)} questions. "
            "Ctrl-C ends the round; finished answers are kept."
        )
        if rnd.silent_reason:
            self.say(f"(Questions are shown, not spoken: {rnd.silent_reason})")
        if rnd.typed:
            self.say(f"(Typed answers: {rnd.devices.typed_reason})")
        rnd.open()
        try:
            if rnd.config.mode == "interview":
                self.say(f"\n{rnd.introduce()}")
            total = len(rnd.plan.questions)
            for number, question in enumerate(rnd.plan.questions, start=1):
                try:
                    self.one_question(question, number, total)
                except SimulatorError as exc:  # this answer could not be taken; go on
                    self.say(f"Not saved: {exc}")
        except KeyboardInterrupt:
            rnd.abandon()  # an answer being recorded stays on disk for `recover`
            self._join_recording()
            self.say("\nRound ended; every finished answer is saved.")
        except EOFError:
            self.say("\nNo more input; every finished answer is saved.")
        finally:
            rnd.close()
        if rnd.config.mode == "interview" and rnd.answers:
            self.out.write("\n" + render(report_card(rnd.answers, rnd.previous_interview())))
        else:
            self.summary()
        return rnd.answers

    def one_question(self, question: Question, number: int, total: int) -> None:
        rnd = self.round
        budget = f" · answer in {question.time_limit_s}s" if rnd.config.mode == "interview" else ""
        self.say(
            f"\n── Question {number}/{total} · {question.section} · {question.id} "
            f"· {question.time_limit_s}s ──{budget}"
        )
        self.say(question.prompt)
        rnd.ask(question)
        if rnd.typed:
            answer = rnd.answer_typed(question, self.read_line("\nYour answer (one line): "))
        else:
            if rnd.config.prepare_s is not None:
                self.countdown(rnd.config.prepare_s)
            else:
                self.read_line("\nPress Enter to start recording (Enter again to stop)...")
            answer = self.record(question, lambda: rnd.answer_by_voice(question))
        if answer is not None:
            self.follow_up(answer)

    def follow_up(self, answer: ScoredAnswer) -> None:
        """Ask the follow-up, if the answer left out an important point, and take its answer
        the same way (an empty line skips it)."""
        rnd = self.round
        follow_up = rnd.follow_up_for(answer)
        if follow_up is None:
            return
        self.say(f"\nFollow-up: {follow_up.prompt}")
        rnd.ask_follow_up(answer, follow_up)
        if rnd.typed:
            text = self.read_line("Your answer (one line; empty to skip): ")
            if text.strip():
                rnd.follow_up_typed(answer, follow_up, text)
            return
        if self.read_line("Press Enter to answer (Enter again to stop), or s to skip: ").strip():
            return
        self.record(answer.question, lambda: rnd.follow_up_by_voice(answer, follow_up))

    def record(
        self, question: Question, take: Callable[[], ScoredAnswer | None]
    ) -> ScoredAnswer | None:
        """Run a recording in a worker, showing its level and words as they come."""
        taken: list[ScoredAnswer | None] = []
        failed: list[BaseException] = []

        def work() -> None:
            try:
                taken.append(take())
            except BaseException as exc:  # shown on the main thread, as a typed answer's is
                failed.append(exc)

        self._worker = worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            self.live(question, allow_enter=self.round.config.prepare_s is None)
            worker.join(timeout=0.2)
        if failed:
            raise failed[0]
        return taken[0] if taken else None

    def _join_recording(self, seconds: float = 10.0) -> None:
        """Let an abandoned recording close its file before the history closes."""
        if self._worker is not None:
            self._worker.join(timeout=seconds)

    # --- what the round reports ------------------------------------------------------------

    def show(self, event: RoundEvent) -> None:
        match event:
            case Spoken(problem=problem) if problem:
                self.say(f"(Questions are shown, not spoken from now on: {problem})")
            case Listening():
                self.say("Recording…")
            case Transcribing():
                self.say("\nTranscribing the last words...")
            case Problem(text=text):
                self.say(text)
            case Scored(answer=answer) if self.round.config.feedback:
                self.result(answer)
            case Scored():
                self.say("Saved. Feedback comes at the end, as in a real interview.")
            case FollowedUp(answer=answer) if self.round.config.feedback:
                self.followed_up(answer)

    def result(self, answer: ScoredAnswer) -> None:
        self.out.write(render_coverage(answer.question, answer.coverage) + "\n")
        if answer.recording:
            self.say(
                f"Result ready {answer.ready_after_s:.2f}s after you stopped; "
                f"recording kept at {answer.recording.path}"
            )
        for comment in answer.delivery.comments:
            self.say(f"  • {comment}")

    def followed_up(self, answer: ScoredAnswer) -> None:
        result = answer.follow_up
        assert result is not None
        labels = {c.id: c.label for c in answer.question.concepts}
        got = ", ".join(labels[c] for c in result.recovered) or "nothing new"
        self.say(
            f"Follow-up recovered: {got}. Coverage {answer.coverage.coverage:.0%} in the first "
            f"answer, {result.coverage_with:.0%} with the follow-up."
        )

    def summary(self) -> None:
        answers = self.round.answers
        if not answers:
            return
        self.say("\nRound summary")
        for a in answers:
            c = a.coverage.coverage
            self.say(f"  {a.question.id:<16} {bar(c, 20)} {c:4.0%}")
        mean = sum(a.coverage.coverage for a in answers) / len(answers)
        self.say(f"  {'average':<16} {bar(mean, 20)} {mean:4.0%}")

    # --- the keyboard ---------------------------------------------------------------------------

    def read_line(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = self.keys.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def countdown(self, seconds: float) -> None:
        for left in range(round(seconds), 0, -1):
            self.out.write(f"\rPrepare: {left:2d}s ")
            self.out.flush()
            time.sleep(1)
        self.out.write("\rRecording now!        \n")

    def live(self, question: Question, allow_enter: bool) -> None:
        """One refresh of the recording line; Enter stops the answer in practice."""
        if allow_enter and self._key_waiting():
            self.keys.readline()
            self.round.stop()
        status = self.round.live(question)
        if status is None:
            return
        left = status.limit_s - status.elapsed_s
        warn = " ⚠" if left < 15 else ""
        self.out.write(
            f"\r● {status.elapsed_s:5.1f}s  left {left:5.1f}s{warn}  "
            f"{bar(status.level, 10)}  {status.partial[-50:]:<50}"
        )
        self.out.flush()

    def _key_waiting(self) -> bool:
        try:
            return bool(select.select([self.keys], [], [], 0)[0])
        except (OSError, ValueError, io.UnsupportedOperation):  # not a file: nothing typed
            return False

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
