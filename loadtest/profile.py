"""Where a page's time goes: ``python -m loadtest.profile PATH...`` under the portal's settings.

Requests each path (as the first seeded org admin, through Django's test client, so with the
same settings, middleware and database as gunicorn's workers) once to warm up, then again
under pyinstrument while timing every SQL statement, and prints the wall time per request,
the share spent in SQL, the slowest statements and pyinstrument's call tree.
"""

import os
import sys
import time
from collections import defaultdict

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from users.models import User  # noqa: E402

from .accounts import admin_phone_number  # noqa: E402

STATEMENT_CHARS = 300
TOP = 12


def profile(paths: list[str]) -> str:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(phone_number=admin_phone_number(1)))
    for path in paths:
        client.get(path)
    statements: dict[str, list[float]] = defaultdict(list)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements[sql[:STATEMENT_CHARS]].append((time.perf_counter() - started) * 1000)

    profiler = Profiler(interval=0.001)
    walls = []
    with connection.execute_wrapper(timed):
        profiler.start()
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            walls.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}.")
        profiler.stop()
    total = sum(walls)
    sql_total = sum(sum(times) for times in statements.values())
    count = sum(len(times) for times in statements.values())
    lines = [
        f"{len(paths)} requests, one at a time: {total / len(paths):.1f} ms each on average, "
        f"slowest {max(walls):.1f} ms; SQL {sql_total / len(paths):.1f} ms of each "
        f"({100 * sql_total / total:.0f}%, {count / len(paths):.1f} statements)",
        "",
        "Slowest statements (total ms over all requests, count, statement):",
    ]
    for sql, times in sorted(statements.items(), key=lambda item: -sum(item[1]))[:5]:
        lines.append(f"  {sum(times):9.1f} ms {len(times):5}x  {' '.join(sql.split())}")
    by_function, by_package = self_times(profiler.last_session.root_frame())
    profiled = sum(by_package.values()) or 1
    lines += ["", "Own time by package (where the samples were, not what called them):"]
    for package, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:TOP]:
        lines.append(f"  {100 * seconds / profiled:5.1f}%  {package}")
    lines += ["", "Functions with the most own time:"]
    for function, seconds in sorted(by_function.items(), key=lambda item: -item[1])[:TOP]:
        lines.append(f"  {100 * seconds / profiled:5.1f}%  {function}")
    lines += ["", profiler.output_text(unicode=False, color=False, show_all=False)]
    return "\n".join(lines)


def self_times(root) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds spent in each function itself, and in each package (a file's first folder), over the tree."""
    by_function: dict[str, float] = defaultdict(float)
    by_package: dict[str, float] = defaultdict(float)
    stack = [(root, root)]
    while stack:
        frame, parent = stack.pop()
        # pyinstrument gives a function's own time as a child named [self]: it belongs to the parent.
        owner = parent if frame.function.startswith("[") else frame
        path = owner.file_path_short or "?"
        by_function[f"{owner.function} ({path}:{owner.line_no})"] += frame.total_self_time
        package = path.split("/")[0] if "/" in path else path
        by_package[package] += frame.total_self_time
        stack += [(child, frame) for child in frame.children]
    return by_function, by_package


if __name__ == "__main__":
    print(profile(sys.argv[1:]))
