"""The benchmark harness of `make bench`: the platform under gunicorn on loopback, driven by wrk
(or a small built-in driver), against a seeded database of its own; see bench/run.py."""
