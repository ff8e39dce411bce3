"""Suggested attributes an admin can pick instead of defining their own."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    key: str
    name: str
    value_type: str


SUGGESTIONS = [
    Suggestion("employee_id", "Employee ID", "string"),
    Suggestion("manager", "Manager", "string"),
    Suggestion("job_title", "Job title", "string"),
    Suggestion("department", "Department", "string"),
    Suggestion("email", "Email", "string"),
    Suggestion("office_location", "Office location", "string"),
    Suggestion("date_of_joining", "Date of joining", "datetime"),
    Suggestion("employee_type", "Employee type", "string"),
    Suggestion("years_of_experience", "Years of experience", "number"),
    Suggestion("is_contractor", "Contractor", "boolean"),
]
BY_KEY = {suggestion.key: suggestion for suggestion in SUGGESTIONS}
# Columns every import and export file has: no attribute may take their names.
RESERVED_NAMES = {"name", "phone number", "phone", "phone_number", "role", "groups", "source", "date added"}
