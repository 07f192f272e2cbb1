"""Benchmarks: seed a large pipeline, then measure oppbot beside a baseline for each figure (see bench/README.md)."""
