"""A small HTTP client for the schema registry tests (python3-requests), speaking exactly what
Confluent's clients send: JSON bodies with Confluent's content type."""
import json

import requests

CT = "application/vnd.schemaregistry.v1+json"


class Registry:
    def __init__(self, url):
        self.url = url
        self.s = requests.Session()

    def call(self, method, path, body=None, params=None, headers=None, data=None):
        h = {"Content-Type": CT, "Accept": CT}
        h.update(headers or {})
        if body is not None:
            data = json.dumps(body)
        r = self.s.request(method, self.url + path, data=data, params=params, headers=h, timeout=30)
        return r

    def ok(self, method, path, body=None, params=None):
        r = self.call(method, path, body, params)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def err(self, method, path, body=None, params=None, status=None, code=None, **kw):
        """Asserts an error answer and returns its body."""
        r = self.call(method, path, body, params, **kw)
        assert r.status_code != 200, f"{method} {path} succeeded: {r.text}"
        if status is not None:
            assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        j = r.json()
        assert set(j) == {"error_code", "message"}, j
        if code is not None:
            assert j["error_code"] == code, f"{method} {path}: {j}"
        assert j["message"], j
        return j

    def register(self, subject, schema, schema_type=None, references=None, params=None, **extra):
        body = {"schema": schema if isinstance(schema, str) else json.dumps(schema)}
        if schema_type:
            body["schemaType"] = schema_type
        if references:
            body["references"] = references
        body.update(extra)
        return self.call("POST", f"/subjects/{quote(subject)}/versions", body, params)

    def register_id(self, subject, schema, **kw):
        r = self.register(subject, schema, **kw)
        assert r.status_code == 200, r.text
        return r.json()["id"]


def quote(subject):
    return requests.utils.quote(subject, safe="")


def record(name, *fields, namespace=None):
    """An Avro record schema; each field is (name, type) or (name, type, default)."""
    fs = []
    for f in fields:
        d = {"name": f[0], "type": f[1]}
        if len(f) > 2:
            d["default"] = f[2]
        fs.append(d)
    s = {"type": "record", "name": name, "fields": fs}
    if namespace:
        s["namespace"] = namespace
    return s
