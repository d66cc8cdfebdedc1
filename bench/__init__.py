"""Benchmarks: each prints one JSON object and measures against a baseline in the same run.

Run any of them from any virtual environment that has pester's dependencies, as
``python bench/NAME.py`` or ``python -m bench.NAME``: each finds the repository from its
own path and starts its helper processes with ``sys.executable``. Not run as tests.
"""
