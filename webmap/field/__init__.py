"""The field app for phones: today's plots, visits offline, and the township shelter reports."""
