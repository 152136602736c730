"""APScheduler wiring and the publishing dispatcher."""
