"""Dramatiq: the broker (chosen in broker.py) and thin, idempotent actors."""
