"""How many consumers RabbitMQ counts on each named queue (run by the lab venv's Python).

    rpc_consumers.py HOST:PORT QUEUE...   (user and password as JSON on stdin)

Prints {queue: consumers}; a queue that does not exist counts 0 (oslo.messaging declares its
queues again when a worker reconnects).
"""

from __future__ import annotations

import json
import sys

import amqp


def main(argv: list[str]) -> int:
    login = json.load(sys.stdin)
    conn = amqp.Connection(argv[0], userid=login["user"], password=login["password"],
                           connect_timeout=5, read_timeout=5, write_timeout=5)
    conn.connect()
    counts = {}
    try:
        channel = conn.channel()
        for queue in argv[1:]:
            try:
                counts[queue] = channel.queue_declare(queue, passive=True).consumer_count
            except amqp.exceptions.NotFound:
                counts[queue] = 0
                channel = conn.channel()  # the broker closes a channel after an error
    finally:
        conn.close()
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
