"""The benchmark harness: `./dev bench` (python -m bench). See docs/BENCHMARKS.md."""
