"""Tables of the webforms app."""
