"""Floor scripts: the bare minimum doing a workload's work, run as their own processes."""
