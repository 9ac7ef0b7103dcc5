"""Qt item models (and their plain-Python node classes) shown by the views."""
