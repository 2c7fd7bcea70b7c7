"""Search (§5): property paths (``properties``), the expression compiler (``expression``),
records (``records``) and the handler (``handler``), which ``stemma.service`` registers."""
