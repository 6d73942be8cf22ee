"""Benchmarks (not part of the test suite): `make bench`. See docs/performance.md."""
