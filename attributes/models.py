"""Attribute definitions and typed values of an organization's users."""
