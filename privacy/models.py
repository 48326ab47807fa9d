"""Privacy models arrive with the DPO tooling (see the privacy issues)."""
