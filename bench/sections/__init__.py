"""The sections of ``python -m bench``, one module each; each ``run(bench)`` stores its figures
in ``bench.results`` under the section's name, for bench/report.py."""
