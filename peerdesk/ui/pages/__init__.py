"""One module per main-window page (Today, Sessions, Participants, ...)."""
