"""snapdesk: a desktop editor for Snapchat ad campaigns."""

__version__ = "0.1.0"
