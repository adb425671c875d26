"""Extract stage: the words that name documents and their status, shared by the agreement and totals passes."""

from __future__ import annotations

KIND = {"соглашение": "agreement", "меморандум": "memorandum", "протокол": "protocol", "договор": "treaty",
        "контракт": "contract", "коммюнике": "joint_statement", "декларация": "joint_statement",
        "программа": "program", "план": "program"}
COUNTABLE = {"документ": "document", "соглашение": "agreement", "меморандум": "memorandum",
             "контракт": "contract", "договор": "treaty", "протокол": "protocol", "договоренность": "document"}
RATIFY = frozenset({"ратифицировать", "ратификация", "ратифицированный"})
IN_FORCE = frozenset({"вступить", "вступление", "вступать"})
DRAFT = frozenset({"проект", "подготовить", "подготовка", "разработать", "согласовать", "согласование"})
