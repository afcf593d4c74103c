"""Households: the list, registration, the household page, the list import; and the ballot sheet."""
