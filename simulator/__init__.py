"""The interview simulator application: sessions, delivery metrics, history, CLI and TUI."""
