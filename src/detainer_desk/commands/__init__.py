"""CLI command groups; `detainer_desk.cli` assembles them."""
