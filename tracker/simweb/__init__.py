"""The local simulated social web: every supported platform's API shapes, served over real
HTTP on 127.0.0.1, for a seeded population whose engagement evolves on an accelerated clock.
`make demo`, the tests and the benchmarks run against it. Start it with `tracker simulate`.
"""
