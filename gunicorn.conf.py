"""The production server: `gunicorn 'app:create_app()'` in the checkout reads this file.

PORT            port to listen on (default 5000)
CASEBOOK_HOST   address to listen on (default 127.0.0.1; 0.0.0.0 behind a load balancer)
CASEBOOK_WORKERS  worker processes (default 2: one per core of a small machine)
CASEBOOK_THREADS  threads per worker (default 4)

Threads help while a request waits on the database or a slow client; searching is
CPU-bound and takes turns within a process (each process keeps one set of searchers).
"""
import os

bind = f"{os.environ.get('CASEBOOK_HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("CASEBOOK_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("CASEBOOK_THREADS", "4"))
# Each worker loads the app itself: nothing (database pools, index files, threads) is shared by fork.
preload_app = False
timeout = 60
graceful_timeout = 20
keepalive = 5
# The app writes its own request log (with request ids); gunicorn's would repeat every line.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("CASEBOOK_LOG_LEVEL", "info").lower()
proc_name = "casebook"
# gunicorn's control socket sits in the home folder: two nodes on one machine would share it.
control_socket_disable = True


def on_starting(server):
    from app import serving

    serving.on_starting(server)


def post_worker_init(worker):
    from app import serving

    serving.post_worker_init(worker)


def worker_exit(server, worker):
    from app import serving

    serving.worker_exit(server, worker)
