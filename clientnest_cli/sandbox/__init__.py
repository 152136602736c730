"""Local emulators of the platform APIs and of the AI API.

Real HTTP servers on 127.0.0.1, written from PLATFORMS.md alone: nothing here
imports ``platforms``, ``domain``, ``services`` or ``store`` (an import-linter
contract checks), so a rule the adapter gets wrong is not copied here too.
"""
