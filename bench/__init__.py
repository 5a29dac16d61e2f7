"""Benchmarks of Vetted: `make bench` (bench/bench.py) and `bench/scale.py`. See bench/README.md."""
