"""Exports of an organization's users: the ExportJob and its history."""
