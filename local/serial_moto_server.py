"""moto in server mode, one request at a time, with cheap transaction rollback.

moto's DynamoDB applies a transaction item by item and, when one item's condition fails, rolls back by
restoring a snapshot of the whole table. With moto_server's threads, that snapshot also undoes writes
other requests committed meanwhile, and a condition can read another transaction's half-applied state.
DynamoDB transactions are serializable; running requests one at a time restores that isolation, so the
emulator does not invent lost updates. Requests are milliseconds long, so the cost is small.

The whole-table snapshot also costs a deep copy of the table per transaction, which makes a date with
10,000 files take seconds per write. Requests being serial, the snapshot can be narrowed to the items the
transaction touches; the result of every transaction is unchanged.
"""

import argparse
import copy
import signal
import sys
import threading
import types

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

_original_transact_write_items = DynamoDBBackend.transact_write_items
# Seen by moto's transact_write_items in place of the copy module: its table snapshot becomes the table itself.
_no_table_snapshot = types.SimpleNamespace(deepcopy=lambda value: value)


def _touched_items(backend, transact_items):
    touched = []
    for entry in transact_items:
        if len(entry) != 1:
            continue
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        try:
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            hash_key, range_key = backend.get_keys_value(table, key)
        except Exception:  # moto reports the malformed item itself
            continue
        touched.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    return touched


def _restore(touched):
    for table, hash_key, range_key, before in reversed(touched):
        if before is None:
            table.delete_item(hash_key, range_key)
        elif range_key is not None:
            table.items[hash_key][range_key] = before
        else:
            table.items[hash_key] = before


def transact_write_items(self, transact_items):
    touched = _touched_items(self, transact_items)
    dynamodb_models.copy = _no_table_snapshot
    try:
        return _original_transact_write_items(self, transact_items)
    except Exception:
        _restore(touched)
        raise
    finally:
        dynamodb_models.copy = copy


DynamoDBBackend.transact_write_items = transact_write_items


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
