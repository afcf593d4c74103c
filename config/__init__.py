"""The top of the house: the root URLconf and the WSGI entry point, which may import every layer."""
