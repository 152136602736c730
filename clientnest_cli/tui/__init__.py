"""Textual terminal UI (imported only by `clientnest tui`)."""
