"""Printing letters and deeds, and the public verification page."""
