"""Benchmarks run by ``make bench``: each prints our figure beside a plain baseline."""
