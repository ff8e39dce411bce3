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


# Groups of the User Group Mapping files: 10 regions, 9 areas in each, 10 teams in each area.
REGIONS, AREAS_PER_REGION, TEAMS_PER_AREA = 10, 9, 10


def group_paths() -> list[str]:
    """1,000 groups in three levels, each by its path, parents before their subgroups."""
    paths = []
    for r in range(REGIONS):
        region = f"Region {r}"
        paths.append(region)
        for a in range(AREAS_PER_REGION):
            area = f"{region} / Area {r}.{a}"
            paths.append(area)
            paths += [f"{area} / Team {r}.{a}.{t}" for t in range(TEAMS_PER_AREA)]
    return paths


def write_group_mapping_file(path: Path, rows: int, *, seed: int = 1) -> Path:
    """``rows`` memberships spread evenly over the 1,000 groups, two groups per person, every 50th an admin."""
    rng = random.Random(seed)
    paths = group_paths()
    people = max(1, rows // 2)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Group,Phone Number,User Type\r\n")
        for n in range(rows):
            # Each person comes twice, the second time one group further on: never twice in one group.
            person, group = n % people, (n + n // people) % len(paths)
            role = "admin" if n % 50 == 0 else rng.choice(["member", "Member", ""])
            out.write(f"{paths[group]},{phone_spelling(person, rng)},{role}\r\n")
    return path
