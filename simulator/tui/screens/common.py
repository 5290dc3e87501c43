"""What every screen shares: the services (the composition and the open history) and the
messages workers report back with."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from textual.message import Message

from simulator.compose import Composition
from simulator.history import History


@dataclass
class Services(Composition):
    """The composition the interface was started with, and the history it keeps open."""

    history: History = field(kw_only=True)

    @classmethod
    def of(cls, composition: Composition, history: History) -> Services:
        given = {f.name: getattr(composition, f.name) for f in fields(composition)}
        services = cls(**given, history=history)
        if "questions" in vars(composition):  # already read: keep, don't read the banks again
            services.questions = composition.questions
        return services


@dataclass
class WorkerFailed(Message):
    """A background job failed; ``text`` is shown to the user."""

    bubble = False
    text: str


@dataclass
class Loaded(Message):
    """A background read finished; ``what`` names it, ``value`` is the data."""

    bubble = False
    what: str
    value: Any
