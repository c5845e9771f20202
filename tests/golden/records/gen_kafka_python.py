#!/usr/bin/python3
"""Regenerates the real-client record batch vectors in this folder.

Uses kafka-python's own DefaultRecordBatchBuilder (the code kafka-python's producer
sends with), so the CRC, varint framing and codec framing (xerial snappy, LZ4 frame,
zstd without content size...) come from an independent implementation, not ours.
Run with the Debian system python:  /usr/bin/python3 gen_kafka_python.py
tests/unit/records/golden_test.cc checks these files against the same expected records.
"""
import pathlib
from kafka.record.default_records import DefaultRecordBatchBuilder

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BASE_TS = 1700000000000
COUNT = 5


def records():
    # Values are repetitive so every codec actually compresses (kafka-python sends
    # uncompressed when compression does not pay off).
    for i in range(COUNT):
        key = None if i == 2 else b"key-%d" % i
        value = None if i == 4 else (b"value-%d;" % i) * 40
        headers = [("h1", b"hv%d" % i), ("null", None)] if i == 1 else []
        yield i, BASE_TS + 10 * i, key, value, headers


def main():
    out = pathlib.Path(__file__).resolve().parent
    for name, codec in CODECS.items():
        b = DefaultRecordBatchBuilder(magic=2, compression_type=codec, is_transactional=False,
                                      producer_id=1234, producer_epoch=5, base_sequence=10,
                                      batch_size=1 << 20)
        for off, ts, key, value, headers in records():
            b.append(off, timestamp=ts, key=key, value=value, headers=headers)
        data = bytes(b.build())
        (out / f"kafka_python_{name}.bin").write_bytes(data)
        print(name, len(data), "attributes", hex(data[22]))


if __name__ == "__main__":
    main()
