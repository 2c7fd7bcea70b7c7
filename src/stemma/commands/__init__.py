"""The ``stemma`` subcommands beyond serve, migrate and keys, one module per family, and the
option helpers every subcommand shares. ``stemma.cli`` wires them; nothing here is business
logic: each subcommand calls into its package (``stemma.tools``, ``stemma.openlineage``)."""
