"""The tools around the data: export, import, copy and backup (``stemma export`` and friends).

They read and write stores only through the store contract (``store.contract.Store``: ``dump``
and ``load_batch``), and other endpoints only through the public API; no SQL lives here. The
NDJSON format they share is defined in ``records``.
"""
