"""Benchmarks behind ``dozor bench NAME`` (output contract in DESIGN.md "Benchmarks")."""
