"""Authentication: SigV4 verification (``sigv4``), access keys and accounts (``keys``)."""
