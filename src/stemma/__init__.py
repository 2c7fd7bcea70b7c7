"""stemma: a self-hosted, wire-compatible server for Amazon SageMaker ML Lineage Tracking."""

__version__ = "0.1.0"
