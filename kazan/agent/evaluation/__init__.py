"""Offline evaluation of the shopping agent (`manage.py agent_eval`): a catalog described in
JSON is built in a throwaway business inside a transaction that is rolled back, each dialog
runs through the real `agent` step (a registered, consenting WhatsApp customer), and every
turn's tool calls and reply are written out and, given expectations, scored."""
