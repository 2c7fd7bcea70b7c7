"""OpenLineage in and out (docs/openlineage.md): events received at ``/api/v1/lineage``
(``endpoint``, ``events``, ``ingest``, ``merge``, ``token``), and the graph written back out as
events (``emit``, ``forward``, ``export``). ``mapping`` holds the correspondence both ways.

It uses the store contract and the service layer's identities (artifact ids, ARNs); it never
imports ``app``, ``cli`` or SQL.
"""
