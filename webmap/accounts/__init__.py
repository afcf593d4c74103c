"""Logging in and out, and the lock-out page."""
