"""Real clients: Debian's Chromium driven by Playwright (never a downloaded browser); its fixtures (`browser`,
`page`) are in tests/conftest.py, so that browser tests in any folder share the one Playwright of the session."""

from tests.conftest import CHROMIUM  # noqa: F401  (imported from here by some tests)
