"""gunicorn for the portal: ``gunicorn -c gunicorn.conf.py kaizala_portal.wsgi`` (see README, "Deploy it").

Threads rather than one request per process: an upload of up to 50 MB over a slow link takes a
while to arrive, and a thread waiting on it must not keep the process from answering others.
A reverse proxy that buffers request bodies (nginx does by default) spares the workers that wait.
"""

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes: about two per core; each runs THREADS requests at once.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# An upload at 3 Mbit/s takes a little over two minutes for 50 MB; a worker silent for longer is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
keepalive = 5
# Each process is replaced after this many requests (with jitter, so not all at once): memory a
# long-lived process gathers goes back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The upload's form fields and headers are small; the file goes through Django's upload handlers.
limit_request_line = 8190
limit_request_field_size = 8190

# X-Forwarded-Proto and -For are believed only from the proxy in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# One access line per request, with the id the application logs it under.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request=%({x-request-id}o)s'
errorlog = "-"

# Heartbeat files in memory, not on a disk that may be slow or full.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"
