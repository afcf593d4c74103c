"""Shelter projects, construction stages, inspections and tranches (built in the field-teams issue)."""
