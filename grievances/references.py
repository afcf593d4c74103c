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


# Digits typed on a Dari or Pashto keyboard (Extended Arabic-Indic) or an Arabic one (Arabic-Indic) read as 0-9.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def normalise(text: str) -> str:
    """What a person types, as stored: upper case, Dari and Pashto digits read as 0-9, spaces and dashes ignored,
    the dashes put back where they belong ("g xk7m 4p2q" → "G-XK7M-4P2Q"). Anything that cannot be a reference
    (not eight characters of the alphabet) gives "", which no grievance has."""
    compact = "".join(ch for ch in (text or "").translate(_DIGITS).upper() if ch.isalnum())
    if compact.startswith("G") and len(compact) == 2 * GROUP + 1:
        compact = compact[1:]
    if len(compact) != 2 * GROUP or any(ch not in ALPHABET for ch in compact):
        return ""
    return f"G-{compact[:GROUP]}-{compact[GROUP:]}"
