"""Agent engines: `base` (interface, registry), `local` (no model), `llm` (OpenAI-compatible)."""
