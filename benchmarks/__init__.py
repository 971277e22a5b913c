"""Benchmarks that print figures for the HR digest and the exports at organisation scale."""
