"""Realistic import files: mixed phone spellings, five attributes, a few bad rows."""

import random
from pathlib import Path

ATTRIBUTES = [
    ("Employee ID", "string"),
    ("Department", "string"),
    ("Grade", "number"),
    ("Date of joining", "datetime"),
    ("Contractor", "boolean"),
]
DEPARTMENTS = ["Sales", "Operations", "Field Service", "Finance", "Customer Care", "Logistics"]
FIRST = ["Aarav", "Diya", "Ishaan", "Kavya", "Rohan", "Saanvi", "Fatima", "Joseph", "Grace", "Chen", "प्रिया", "அருண்"]
LAST = ["Sharma", "Patel", "Iyer", "Reddy", "Khan", "Singh", "Otieno", "Wang", "Garcia", "शर्मा"]


def phone_spelling(n: int, rng: random.Random) -> str:
    """Number n (below 10**9) as people write it: +91 98123 45678, 0091-..., national, with or without spaces."""
    national = f"9{n:09d}"
    style = rng.randrange(5)
    if style == 0:
        return f"+91 {national[:5]} {national[5:]}"
    if style == 1:
        return f"0091-{national}"
    if style == 2:
        return national
    if style == 3:
        return f"0{national[:5]} {national[5:]}"
    return f"+91{national}"


def write_import_file(path: Path, rows: int, *, first_number: int = 0, seed: int = 1) -> Path:
    """A file of ``rows`` people whose numbers start at ``first_number`` (so files can be disjoint)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Name,Phone Number," + ",".join(name for name, _ in ATTRIBUTES) + "\r\n")
        for n in range(first_number, first_number + rows):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 24)}"
            cells = [
                name,
                phone_spelling(n, rng),
                f"E-{n}",
                rng.choice(DEPARTMENTS),
                str(rng.randint(1, 12)),
                day,
                rng.choice(["Yes", "No"]),
            ]
            out.write(",".join(cells) + "\r\n")
    return path
