#!/usr/bin/python3
"""Steady idempotent producer for crash tests (run as a subprocess; stop it with SIGTERM).

Usage: crash_producer.py BOOTSTRAP TOPIC PARTITIONS OUT_FILE
Produces values b"seq-%09d" (seq 0,1,2,...) to partition seq % PARTITIONS with
enable.idempotence=True, acks=all. Each SUCCESSFUL delivery report is appended to OUT_FILE as
"OK <partition> <offset> <value>" and flushed immediately, so the file lists exactly the
records the broker acknowledged, even if this process is killed. Failed deliveries are
written as "ERR <value> <error>" (for diagnosis; they promise nothing).
"""
import signal
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, partitions, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
out = open(out_path, "a", buffering=1)


def on_delivery(err, msg):
    if err is not None:
        out.write(f"ERR {msg.value().decode()} {err}\n")
    else:
        out.write(f"OK {msg.partition()} {msg.offset()} {msg.value().decode()}\n")
    out.flush()


p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
              "linger.ms": 2, "message.timeout.ms": 120000, "retry.backoff.ms": 100,
              "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500,
              "error_cb": lambda e: out.write(f"{'FATAL' if e.fatal() else 'ERRCB'} {e}\n")})
seq = 0
while not stop:
    try:
        p.produce(topic, value=b"seq-%09d" % seq, partition=seq % partitions,
                  on_delivery=on_delivery)
        seq += 1
    except BufferError:
        pass
    p.poll(0.0005 if seq % 4 else 0.002)  # a steady few thousand records per second
p.flush(30)
out.write(f"DONE {seq}\n")
out.close()
