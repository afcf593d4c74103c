"""Demonstration data: users, land, households, the workflow and shelters, loaded by `manage.py load_demo`."""
