"""Raw Kafka wire access for tests: exact requests, exact bytes, exact responses.

Uses kafka-python's protocol classes for encoding/decoding (non-flexible versions only) and its
DefaultRecordBatchBuilder for record batches. Adds InitProducerId v0 (missing in kafka-python
2.0.2). Every socket read has a timeout.
"""
import socket
import struct
import time

from kafka.protocol.api import Request, RequestHeader, Response
from kafka.protocol.fetch import FetchRequest
from kafka.protocol.metadata import MetadataRequest
from kafka.protocol.produce import ProduceRequest
from kafka.protocol.offset import OffsetResponse
from kafka.protocol.types import Array, Int8, Int16, Int32, Int64, Schema, String
from kafka.record.default_records import DefaultRecordBatchBuilder


class InitProducerIdResponse_v0(Response):
    API_KEY = 22
    API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16),
                    ('producer_id', Int64), ('producer_epoch', Int16))


class InitProducerIdRequest_v0(Request):
    API_KEY = 22
    API_VERSION = 0
    RESPONSE_TYPE = InitProducerIdResponse_v0
    SCHEMA = Schema(('transactional_id', String('utf-8')), ('transaction_timeout_ms', Int32))


class ListOffsetsRequest_v4(Request):
    """kafka-python 2.0.2 encodes current_leader_epoch as Int64 (the spec says Int32)."""
    API_KEY = 2
    API_VERSION = 4
    RESPONSE_TYPE = OffsetResponse[4]
    SCHEMA = Schema(
        ('replica_id', Int32), ('isolation_level', Int8),
        ('topics', Array(('topic', String('utf-8')),
                         ('partitions', Array(('partition', Int32),
                                              ('current_leader_epoch', Int32),
                                              ('timestamp', Int64))))))


class ListOffsetsRequest_v5(ListOffsetsRequest_v4):
    API_VERSION = 5
    RESPONSE_TYPE = OffsetResponse[5]


class ProduceResponse_v8(Response):
    """kafka-python 2.0.2 decodes v8 without its record_errors and error_message."""
    API_KEY = 0
    API_VERSION = 8
    SCHEMA = Schema(
        ('topics', Array(('topic', String('utf-8')), ('partitions', Array(
            ('partition', Int32), ('error_code', Int16), ('offset', Int64), ('timestamp', Int64),
            ('log_start_offset', Int64),
            ('record_errors', Array(('batch_index', Int32), ('message', String('utf-8')))),
            ('error_message', String('utf-8')))))),
        ('throttle_time_ms', Int32))


class ProduceRequest_v8(Request):
    API_KEY = 0
    API_VERSION = 8
    RESPONSE_TYPE = ProduceResponse_v8
    SCHEMA = ProduceRequest[7].SCHEMA


class Closed(Exception):
    """The broker closed the connection."""


class RawConn:
    def __init__(self, bootstrap, timeout=10.0, client_id="rawkafka"):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.timeout = timeout
        self.client_id = client_id
        self.corr = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- bytes level -------------------------------------------------------------------------
    def send_bytes(self, data):
        self.sock.sendall(data)

    def send_frame(self, payload):
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise Closed(f"connection closed after {len(buf)}/{n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self, timeout=None):
        self.sock.settimeout(timeout or self.timeout)
        try:
            (size,) = struct.unpack(">i", self._recv_exact(4))
            return self._recv_exact(size)
        except ConnectionResetError as e:
            raise Closed(str(e))

    def wait_closed(self, timeout=5.0):
        """True if the peer closes within timeout (EOF or reset), False if still open and silent.
        Raises AssertionError if the broker sends data instead (returned in the message)."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        if data == b"":
            return True
        raise AssertionError(f"expected close, broker sent {len(data)} bytes: {data[:64]!r}")

    # -- request level -----------------------------------------------------------------------
    def encode(self, req, correlation_id=None):
        if correlation_id is None:
            self.corr += 1
            correlation_id = self.corr
        header = RequestHeader(req, correlation_id=correlation_id, client_id=self.client_id)
        return correlation_id, header.encode() + req.encode()

    def request(self, req, timeout=None):
        """Send one request (header v1), return the decoded response (header v0)."""
        corr, payload = self.encode(req)
        self.send_frame(payload)
        return self.read_response(req, corr, timeout)

    def read_response(self, req, corr, timeout=None):
        frame = self.recv_frame(timeout)
        (rcorr,) = struct.unpack(">i", frame[:4])
        assert rcorr == corr, f"correlation id {rcorr} != {corr}"
        return req.RESPONSE_TYPE.decode(frame[4:])


def api_frame(api_key, api_version, corr, body, client_id=b"raw"):
    """A request frame (with size prefix) with header v1 and an arbitrary body."""
    hdr = struct.pack(">hhih", api_key, api_version, corr, len(client_id)) + client_id
    payload = hdr + body
    return struct.pack(">i", len(payload)) + payload


def build_batch(records, producer_id=-1, producer_epoch=-1, base_sequence=-1,
                compression=0, base_timestamp=None):
    """records: list of (key, value, headers) or (key, value, headers, timestamp_ms)."""
    b = DefaultRecordBatchBuilder(magic=2, compression_type=compression, is_transactional=False,
                                  producer_id=producer_id, producer_epoch=producer_epoch,
                                  base_sequence=base_sequence, batch_size=64 << 20)
    now = base_timestamp if base_timestamp is not None else int(time.time() * 1000)
    for i, r in enumerate(records):
        key, value, headers = r[0], r[1], r[2]
        ts = r[3] if len(r) > 3 else now
        b.append(i, timestamp=ts, key=key, value=value, headers=headers)
    return bytes(b.build())


def produce_request(topic, partition, batch, acks=-1, version=7, timeout_ms=10000):
    return ProduceRequest[version](transactional_id=None, required_acks=acks, timeout=timeout_ms,
                                   topics=[(topic, [(partition, batch)])])


def produce_result(resp):
    """(error_code, base_offset) of the only partition in a produce response."""
    (_, parts), = resp.topics
    (p,) = parts
    return p[1], p[2]


def fetch_request(topic, partition, offset, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20,
                  version=4):
    assert version == 4
    return FetchRequest[4](replica_id=-1, max_wait_time=max_wait_ms, min_bytes=min_bytes,
                           max_bytes=max_bytes, isolation_level=0,
                           topics=[(topic, [(partition, offset, max_bytes)])])


def fetch_result(resp):
    """(error_code, high_watermark, records bytes) of the only partition in a v4 fetch response."""
    (_, parts), = resp.topics
    (p,) = parts
    return p[1], p[2], p[5]


def metadata_request(topics, allow_auto_create=True):
    return MetadataRequest[4](topics=topics, allow_auto_topic_creation=allow_auto_create)


def init_producer_id(conn):
    resp = conn.request(InitProducerIdRequest_v0(transactional_id=None,
                                                 transaction_timeout_ms=60000))
    assert resp.error_code == 0, f"InitProducerId error {resp.error_code}"
    return resp.producer_id, resp.producer_epoch


def decode_batches(data):
    """Yield (base_offset, [DefaultRecord...]) for each v2 batch in a fetch payload."""
    from kafka.record.default_records import DefaultRecordBatch
    pos = 0
    while pos + 12 <= len(data):
        base, length = struct.unpack(">qi", data[pos:pos + 12])
        end = pos + 12 + length
        if end > len(data):
            break  # partial trailing batch is legal in a fetch response
        batch = DefaultRecordBatch(bytes(data[pos:end]))
        yield base, list(batch)
        pos = end


# -- flexible Metadata (v12): topic ids ------------------------------------------------------
# kafka-python encodes no flexible version, so Metadata v12 is written by hand from the spec
# (compact arrays/strings, uuid, tagged fields): enough to ask by topic id and read the answer.
def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        if len(out) != n:
            raise ValueError(f"truncated at {self.pos}")
        self.pos += n
        return out

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def uvarint(self):
        shift = n = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def compact_array(self, item):
        n = self.uvarint()
        return None if n == 0 else [item() for _ in range(n - 1)]

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


NO_TOPIC_ID = bytes(16)


def metadata_v12(conn, topics, allow_auto_create=False):
    """Metadata v12. `topics`: None (all) or a list of names (str) and/or topic ids (16 bytes).
    Returns {"brokers": [...], "topics": [{"error", "name", "id", "internal", "partitions": [
    {"error", "partition", "leader", "isr", "offline"}]}]}."""
    body = bytearray()
    if topics is None:
        body += uvarint(0)
    else:
        body += uvarint(len(topics) + 1)
        for t in topics:
            if isinstance(t, bytes):
                body += t + uvarint(0)  # the id, a null name
            else:
                name = t.encode()
                body += NO_TOPIC_ID + uvarint(len(name) + 1) + name
            body += uvarint(0)
    body += struct.pack(">??", allow_auto_create, False) + uvarint(0)
    conn.corr += 1
    cid = conn.client_id.encode()
    header = struct.pack(">hhih", 3, 12, conn.corr, len(cid)) + cid + uvarint(0)
    conn.send_frame(header + bytes(body))
    r = _Reader(conn.recv_frame())
    assert r.unpack(">i") == conn.corr
    r.skip_tags()
    r.unpack(">i")  # throttle

    def broker():
        b = {"node_id": r.unpack(">i"), "host": r.compact_string(), "port": r.unpack(">i"),
             "rack": r.compact_string()}
        r.skip_tags()
        return b

    def partition():
        p = {"error": r.unpack(">h"), "partition": r.unpack(">i"), "leader": r.unpack(">i"),
             "leader_epoch": r.unpack(">i"), "replicas": r.compact_array(lambda: r.unpack(">i")),
             "isr": r.compact_array(lambda: r.unpack(">i")),
             "offline": r.compact_array(lambda: r.unpack(">i"))}
        r.skip_tags()
        return p

    def topic():
        t = {"error": r.unpack(">h"), "name": r.compact_string(), "id": r.take(16),
             "internal": r.unpack(">?"), "partitions": r.compact_array(partition)}
        r.unpack(">i")  # authorized operations
        r.skip_tags()
        return t

    out = {"brokers": r.compact_array(broker)}
    out["cluster_id"] = r.compact_string()
    out["controller"] = r.unpack(">i")
    out["topics"] = r.compact_array(topic)
    r.skip_tags()
    assert r.pos == len(r.data), "trailing bytes in Metadata v12 response"
    return out
