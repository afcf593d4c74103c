"""Grievance references: G-XXXX-XXXX, short enough to read over the phone, not guessable.

The alphabet leaves out the look-alikes (0/O, 1/I/L): 31 letters and digits, so 31^8 ≈ 8.5 × 10^11 references,
drawn with `secrets`. A guesser who makes a thousand guesses against ten thousand grievances finds one with odds
of about 1 in 85,000 (and the public status page is rate-limited).
"""

import contextlib
import contextvars
import random
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUP = 4


# Only the seeded demonstration draws from its own generator (demo/grievances.py), so a demo loads the same
# references every time; every real reference comes from `secrets`.
_demo_rng: contextvars.ContextVar[random.Random | None] = contextvars.ContextVar("grievance_demo_rng", default=None)


@contextlib.contextmanager
def drawn_from(rng: random.Random):
    """References drawn inside this block come from `rng` (the demo's seed), not from `secrets`."""
    token = _demo_rng.set(rng)
    try:
        yield
    finally:
        _demo_rng.reset(token)


def new_reference() -> str:
    rng = _demo_rng.get()
    choice = rng.choice if rng is not None else secrets.choice
    draw = "".join(choice(ALPHABET) for _ in range(2 * GROUP))
    return f"G-{draw[:GROUP]}-{draw[GROUP:]}"


def normalise(text: str) -> str:
    """What a person types, as stored: upper case, spaces and dashes ignored, the dashes put back where they
    belong ("g xk7m 4p2q" → "G-XK7M-4P2Q"). Anything that is not eight characters is returned as typed, upper case,
    and matches nothing."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if compact.startswith("G"):
        compact = compact[1:]
    return f"G-{compact[:GROUP]}-{compact[GROUP:]}" if len(compact) == 2 * GROUP else (text or "").strip().upper()
