"""Bulk CSV imports: the ImportJob and its history."""
