"""The dashboard's flow editor (issue 10 item 6): flows as a list of steps, per-language texts,
channel bindings and a "try it" preview that touches no real data."""
