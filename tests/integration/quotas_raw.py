"""DescribeClientQuotas (48) and AlterClientQuotas (49) v0 on the wire, encoded by hand from the
upstream specs (kafka-python 2.0.2 and confluent-kafka 1.7 have neither), for the error paths a
client library would refuse to send: bad keys and values, unknown entity and match types, the
same entity type twice."""
import math
import struct

from rawkafka import RawConn, api_frame

DESCRIBE, ALTER = 48, 49
INVALID_REQUEST = 42


def _str(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _nstr(s):
    return struct.pack(">h", -1) if s is None else _str(s)


class _Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.i)
        self.i += struct.calcsize(fmt)
        return v[0]

    def nstr(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.b[self.i:self.i + n].decode()
        self.i += n
        return s


def describe_body(components, strict=False):
    """components: [(entity_type, match_type, match_or_None)]"""
    out = struct.pack(">i", len(components))
    for t, mt, m in components:
        out += _str(t) + struct.pack(">b", mt) + _nstr(m)
    return out + struct.pack(">b", 1 if strict else 0)


def alter_body(entries, validate_only=False):
    """entries: [([(entity_type, name_or_None)], [(key, value, remove)])]"""
    out = struct.pack(">i", len(entries))
    for entity, ops in entries:
        out += struct.pack(">i", len(entity))
        for t, n in entity:
            out += _str(t) + _nstr(n)
        out += struct.pack(">i", len(ops))
        for k, v, rm in ops:
            out += _str(k) + struct.pack(">d", v) + struct.pack(">b", 1 if rm else 0)
    return out + struct.pack(">b", 1 if validate_only else 0)


def _call(bootstrap, key, body, client_id=b"quota-raw"):
    with RawConn(bootstrap) as c:
        c.send_bytes(api_frame(key, 0, 7, body, client_id=client_id))
        frame = c.recv_frame()
    assert struct.unpack(">i", frame[:4])[0] == 7
    return _Reader(frame[4:])


def describe(bootstrap, components, strict=False):
    """-> (error_code, error_message, entries or None); entries: [({type: name}, {key: value})]"""
    r = _call(bootstrap, DESCRIBE, describe_body(components, strict))
    r.take(">i")  # throttle
    code, msg = r.take(">h"), r.nstr()
    n = r.take(">i")
    if n < 0:
        return code, msg, None
    entries = []
    for _ in range(n):
        entity = {}
        for _ in range(r.take(">i")):
            t = r.nstr()
            entity[t] = r.nstr()
        values = {}
        for _ in range(r.take(">i")):
            k = r.nstr()
            values[k] = r.take(">d")
        entries.append((entity, values))
    return code, msg, entries


def alter(bootstrap, entries, validate_only=False):
    """-> [(error_code, error_message, {type: name})] in request order."""
    r = _call(bootstrap, ALTER, alter_body(entries, validate_only))
    r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        code, msg = r.take(">h"), r.nstr()
        entity = {}
        for _ in range(r.take(">i")):
            t = r.nstr()
            entity[t] = r.nstr()
        out.append((code, msg, entity))
    return out


def set_quota(bootstrap, entity, **values):
    """entity: [(type, name_or_None)]; values: key=value (None removes). Asserts success."""
    ops = [(k, 0.0 if v is None else float(v), v is None) for k, v in values.items()]
    res = alter(bootstrap, [(entity, ops)])
    assert res[0][0] == 0, res
    return res


def entity_key(entity):
    """{"client-id": None, "user": "u"} -> "client-id=<default>,user=u" (types in order)."""
    return ",".join(f"{t}={'<default>' if n is None else n}" for t, n in sorted(entity.items()))


def as_dict(entries):
    return {entity_key(e): v for e, v in entries}


def all_quotas(bootstrap):
    code, msg, entries = describe(bootstrap, [])
    assert code == 0, msg
    return as_dict(entries)


NAN = math.nan
