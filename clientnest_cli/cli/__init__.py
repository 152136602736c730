"""The Typer command line: one module per noun."""
