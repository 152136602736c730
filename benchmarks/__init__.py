"""The workloads of shared/BENCH.md, each measured next to its floor."""
