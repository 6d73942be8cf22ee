"""The local engine's language understanding, with no model: folded words, per-language
lexicons of intents, and small parsers of quantities, budgets and dates (it/en/es, with de and
tr where a word list is cheap)."""
