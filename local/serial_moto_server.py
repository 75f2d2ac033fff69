"""moto in server mode, one request at a time.

moto's DynamoDB applies a transaction item by item and, when one item's condition fails, rolls back by
restoring a snapshot of the whole table. With moto_server's threads, that snapshot also undoes writes
other requests committed meanwhile, and a condition can read another transaction's half-applied state.
DynamoDB transactions are serializable; running requests one at a time restores that isolation, so the
emulator does not invent lost updates. Requests are milliseconds long, so the cost is small.
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def serialized(app):
    lock = threading.Lock()

    def application(environ, start_response):
        with lock:
            # The body is produced inside the lock: a lazily generated response would escape it.
            return [b"".join(app(environ, start_response))]

    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, serialized(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
