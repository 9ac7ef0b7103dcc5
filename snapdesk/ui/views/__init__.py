"""Widgets that show data: the account tree, the details panel, state pages, status bar parts."""
