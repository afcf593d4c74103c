"""Demonstration data: users, land, households, the workflow and shelters, loaded by `manage.py load_demo`.

One module for each step; `demo.services` runs them in order and holds what the commands need."""
