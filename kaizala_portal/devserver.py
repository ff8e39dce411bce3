"""`make run`: the web server, a Celery worker and, when none answers, a local Redis.

Ctrl-C stops everything this started (and nothing else).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import localservices

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def _stop(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
    from django.conf import settings

    processes: list[subprocess.Popen] = []
    if localservices.redis_answers(settings.REDIS_URL):
        print(f"Using the Redis that answers on {settings.REDIS_URL}")
    else:
        print(f"Nothing answers on {settings.REDIS_URL}: starting a local redis-server")
        processes.append(localservices.start_redis(settings.REDIS_URL))

    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], check=True)
    subprocess.run([python, "manage.py", "seed_demo", "--if-empty"], check=True)
    # --beat runs the schedule (the sweeper of stale jobs) inside this one worker.
    worker = [python, "-m", "celery", "-A", "kaizala_portal", "worker", "--loglevel", "info", "--concurrency", "2"]
    worker += ["--beat", "--schedule", str(Path(settings.VAR_DIR) / "celerybeat-schedule")]
    processes.append(subprocess.Popen(worker))
    processes.append(subprocess.Popen([python, "manage.py", "runserver", f"{HOST}:{PORT}"]))

    print(
        f"\nKaizala Portal: http://{HOST}:{PORT}/\n"
        "Demo logins (password 'kaizala-demo'): +91 90000 00001 (org admin), "
        "+91 90000 00002 (group admin), +91 90000 00003 (member).\nCtrl-C stops it all.\n",
        flush=True,
    )
    # Explicitly: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        print("A process stopped; stopping the rest.")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
