"""Brook's Avro codec (src/client/avro_*) against python3-avro, a codec we did not write: what
Brook writes decodes in python3-avro to the same datum, what python3-avro writes decodes in
Brook, and for one-block arrays and maps (what both writers emit) the bytes are identical.
Brook is driven through build/tests/unit/client/brook_avro_xcheck (encode/decode one datum).
No broker needed."""
import datetime
import decimal
import io
import json
import os
import subprocess

import avro.io
import avro.schema
import pytest

from brookfixture import REPO

XCHECK = os.environ.get("BROOK_AVRO_XCHECK", str(REPO / "build" / "tests" / "unit" / "client" / "brook_avro_xcheck"))

UTC = datetime.timezone.utc

ALL = {
    "type": "record", "name": "All", "namespace": "xcheck", "fields": [
        {"name": "n", "type": "null"},
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "by", "type": "bytes"},
        {"name": "s", "type": "string"},
        {"name": "e", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "a", "type": {"type": "array", "items": "Color"}},
        {"name": "m", "type": {"type": "map", "values": ["null", "long"]}},
        {"name": "fx", "type": {"type": "fixed", "name": "Four", "size": 4}},
        {"name": "u", "type": ["null", "string", "long"], "default": None},
        {"name": "nested", "type": {"type": "array", "items": {"type": "record", "name": "Pair", "fields": [
            {"name": "k", "type": "string"}, {"name": "v", "type": ["null", "double"], "default": None}]}}},
    ]}

# Python's datum and the same datum in the JSON form brook_avro_xcheck reads and prints
# (bytes as code points U+0000..U+00FF).
ALL_PY = {"n": None, "b": True, "i": -2147483648, "l": -9223372036854775808, "f": 1.5, "d": -2.5e300,
          "by": b"\x00\x01\xfe\xff", "s": "héllo wörld ☃", "e": "BLUE", "a": ["RED", "GREEN", "RED"],
          "m": {"x": None, "ÿ": 9007199254740993}, "fx": b"\xde\xad\xbe\xef", "u": 42,
          "nested": [{"k": "a", "v": None}, {"k": "b", "v": 0.25}]}
ALL_JSON = dict(ALL_PY, by="\u0000\u0001\u00fe\u00ff", fx="\u00de\u00ad\u00be\u00ef")

LOGICAL = {
    "type": "record", "name": "Logical", "fields": [
        {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 3}},
        {"name": "decfx", "type": {"type": "fixed", "name": "D8", "size": 8, "logicalType": "decimal",
                                   "precision": 18, "scale": 2}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tm", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "maybe", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": None},
    ]}
LOGICAL_PY = {"dec": decimal.Decimal("-12345678901234.567"), "decfx": decimal.Decimal("-0.05"),
              "day": datetime.date(2024, 2, 29), "tm": datetime.time(13, 14, 15, 123456),
              "ts": datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
              "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
              "maybe": datetime.datetime(2024, 2, 29, 13, 14, 15, 123456, tzinfo=UTC)}
LOGICAL_JSON = {"dec": "-12345678901234.567", "decfx": "-0.05", "day": 19782, "tm": 47655123456, "ts": -1,
                "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "maybe": 1709212455123456}

# A linked list: a record that refers to itself by name.
LIST = {"type": "record", "name": "Node", "fields": [
    {"name": "v", "type": "int"}, {"name": "next", "type": ["null", "Node"], "default": None}]}
LIST_PY = {"v": 1, "next": {"v": 2, "next": {"v": -3, "next": None}}}

CASES = [
    ("all", ALL, ALL_PY, ALL_JSON),
    ("logical", LOGICAL, LOGICAL_PY, LOGICAL_JSON),
    ("list", LIST, LIST_PY, LIST_PY),
    ("long", "long", 1 << 62, 1 << 62),
    ("string-union", ["null", "string"], "x", "x"),
    ("empty-collections", {"type": "record", "name": "E", "fields": [
        {"name": "a", "type": {"type": "array", "items": "int"}},
        {"name": "m", "type": {"type": "map", "values": "string"}}]}, {"a": [], "m": {}}, {"a": [], "m": {}}),
]


def python_encode(schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(schema))).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def python_decode(schema, data):
    s = avro.schema.parse(json.dumps(schema))
    return avro.io.DatumReader(s).read(avro.io.BinaryDecoder(io.BytesIO(data)))


def brook(mode, schema, payload, tmp_path):
    assert os.path.exists(XCHECK), f"{XCHECK} missing: ninja -C build brook_avro_xcheck"
    (tmp_path / "schema.avsc").write_text(json.dumps(schema))
    p = tmp_path / "datum"
    p.write_bytes(payload)
    r = subprocess.run([XCHECK, mode, str(tmp_path / "schema.avsc"), str(p)], capture_output=True, timeout=10)
    return r.returncode, r.stdout, r.stderr.decode()


@pytest.mark.parametrize("name,schema,py,js", CASES, ids=[c[0] for c in CASES])
def test_brook_bytes_decode_in_python_and_back(name, schema, py, js, tmp_path):
    rc, data, err = brook("encode", schema, json.dumps(js).encode(), tmp_path)
    assert rc == 0, err
    assert python_decode(schema, data) == py
    # Both write arrays and maps as one block: the bytes themselves agree.
    assert data == python_encode(schema, py)


@pytest.mark.parametrize("name,schema,py,js", CASES, ids=[c[0] for c in CASES])
def test_python_bytes_decode_in_brook(name, schema, py, js, tmp_path):
    rc, out, err = brook("decode", schema, python_encode(schema, py), tmp_path)
    assert rc == 0, err
    assert json.loads(out) == js


def test_python_block_layouts_decode_in_brook(tmp_path):
    # Avro allows arrays in several blocks and negative counts followed by a byte size; a
    # writer we did not write may use them (python3-avro does not, so these are spelled out).
    schema = {"type": "array", "items": "long"}
    def zz(n):
        u, out = (n << 1) ^ (n >> 63), b""
        while u >= 0x80:
            out += bytes([(u & 0x7F) | 0x80])
            u >>= 7
        return out + bytes([u])
    data = zz(2) + zz(3) + zz(27) + zz(-1) + zz(1) + zz(-5) + zz(0)
    rc, out, err = brook("decode", schema, data, tmp_path)
    assert rc == 0, err
    assert json.loads(out) == [3, 27, -5]


def test_truncated_python_bytes_are_refused_with_the_place(tmp_path):
    data = python_encode(ALL, ALL_PY)
    rc, out, err = brook("decode", ALL, data[:-3], tmp_path)
    assert rc == 1 and "past the end" in err and "xcheck.All.nested" in err, err
