"""Secrets (keyring), sanitising, and what may be logged."""
