"""The full-screen Textual interface: home, practice rounds, timed drills, review, settings.

``InterviewApp`` receives every device, model and store it uses (see ``app.Services``), so tests
drive whole rounds with fakes; ``app.run_tui`` is the one place here that wires real adapters.
"""
