"""The one base exception for problems a user can fix; every layer raises a subclass.

The CLI and TUI print ``str(error)`` as a single line; tracebacks are for logs only.
"""


class SimulatorError(Exception):
    """A problem with a clear, user-facing one-line message that says what to do."""


class BankError(SimulatorError):
    """A question bank that cannot be loaded or does not validate."""


class UnknownQuestionError(SimulatorError):
    """A question id that no loaded bank defines."""
