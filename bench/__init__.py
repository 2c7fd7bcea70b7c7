"""stemma's benchmark harness: ``python -m bench`` (see docs/performance.md).

Not part of the test suite. It starts every server it measures, drives them with wrk replaying
pre-signed requests (so the load generator is compiled code, not Python), and writes a Markdown
table and JSON to bench/results/.
"""
