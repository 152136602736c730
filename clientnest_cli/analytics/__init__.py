"""pandas/scikit-learn reports (imported lazily)."""
