"""ClientNest: a local-first social media manager for the terminal."""

__version__ = "0.1.0"
