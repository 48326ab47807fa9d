"""Per-language prose of the generated privacy paragraph (privacy.services.texts).

Each module has `paragraph(facts: Facts) -> str`. The facts are computed once,
in privacy.services.texts, so the three languages always say the same thing.
"""
