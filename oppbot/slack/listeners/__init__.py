"""Bolt listeners by kind; each package exposes register(app, deps)."""
