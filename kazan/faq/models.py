"""Tables of the faq app."""
