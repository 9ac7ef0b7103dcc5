"""Dialogs: OAuth app settings, sign-in, logins. Each is used with open() + signals."""
