"""The one error hierarchy: a base with a user-facing message, and one subclass per area.

It sits at the bottom of the layers (``questions`` imports nothing of the project), so every
package raises these. The CLI and TUI print ``str(error)`` as a single line that says what to
do; tracebacks are for logs only.
"""


class SimulatorError(Exception):
    """A problem with a clear, user-facing one-line message that says what to do."""


class BankError(SimulatorError):
    """A question bank that cannot be loaded or does not validate."""


class UnknownQuestionError(SimulatorError):
    """A question id that no loaded bank defines."""


class AudioError(SimulatorError):
    """No device, a busy or unplugged device, an engine that is missing: say what to do."""


class ModelError(SimulatorError):
    """A model that is missing, incomplete or does not match its pinned hash."""


class TranscriptionError(SimulatorError):
    """Audio that cannot be decoded or transcribed."""


class HistoryError(SimulatorError):
    """A problem with the history database."""
