"""The extraction contract's closed vocabularies, in one place: the engine, the CLI filters and the tests read
them from here (docs/extraction-contract.md, "Closed vocabularies")."""

from __future__ import annotations

EVENT_TYPES = ("visit", "talks", "meeting", "phone_call", "invitation", "signing", "forum", "launch", "message")
EVENT_STATUSES = ("occurred", "planned", "negated")
AGREEMENT_KINDS = ("agreement", "memorandum", "protocol", "treaty", "contract", "roadmap", "joint_statement",
                   "program", "other")
AGREEMENT_LEVELS = ("interstate", "intergovernmental", "interagency", "regional", "corporate")
AGREEMENT_STATUSES = ("signed", "planned", "ratified", "in_force")
FIGURE_KINDS = ("money", "count", "percent", "volume")
CURRENCIES = ("USD", "KZT", "CNY", "RUB", "EUR")
# in the contract's order, which is the order `sectors` lists them in
SECTORS = ("trade", "investment", "finance", "energy", "oil_gas", "petrochemicals", "nuclear", "mining",
           "metallurgy", "industry", "machinery", "agriculture", "transport", "logistics", "customs", "tourism",
           "ecommerce", "digital", "high_tech", "science", "space", "education", "culture", "health", "sport",
           "media", "security", "water", "ecology", "construction")
