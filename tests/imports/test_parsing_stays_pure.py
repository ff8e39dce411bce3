"""The row parser runs in a process of its own for big files, where Django is not set up."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_parser_and_what_it_uses_import_without_django():
    script = (
        "import sys, imports.preparing, imports.parsing; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'kaizala_portal')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
