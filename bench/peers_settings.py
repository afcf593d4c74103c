"""landreg's settings for bench/peers.py: the in-process cache off, as the peers cache nothing on the server."""

from landreg.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
