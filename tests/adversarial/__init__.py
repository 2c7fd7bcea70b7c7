"""The adversarial suite (#20): hostile input for every served operation, kept in the repository.

``inputs.py`` generates invalid requests from the service model and the dispatch table, so an
operation added later is covered without editing this suite. ``probes.py`` holds the attacks,
each returning ``Counts`` (requests tried, 5xx seen, writes lost, leaks): invalid input,
signature mutation, isolation across accounts and regions, slow and flooding clients, and
``kill -9`` under concurrent writes. ``test_adversarial.py`` runs a small dose of each in the
normal suite; ``python -m tests.adversarial --long`` runs the long doses on both stores and
prints the counts (docs/security.md records them).
"""
