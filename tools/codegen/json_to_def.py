#!/usr/bin/python3
"""One-off helper: draft a .def file from an upstream Kafka JSON message spec pair.

Usage: json_to_def.py SPEC_DIR ApiName MIN-MAX served|unserved > src/protocol/messages/<api>.def

The output is a starting point to be read and reviewed by hand; the committed .def files are the
source of truth for the generator (brook_codegen.py), not the JSON. Stdlib only.
"""
import json
import re
import sys


def load(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"^\s*//.*$", "", text, flags=re.M)
    return json.loads(text)


def field_line(f, depth, out):
    parts = [f["name"], f["type"], "v=" + f["versions"]]
    if f.get("nullableVersions"):
        parts.append("null=" + f["nullableVersions"])
    if "tag" in f:
        parts.append("tag=%d" % f["tag"])
        parts.append("tagv=" + f["taggedVersions"])
    if "default" in f:
        d = str(f["default"])
        parts.append("default=" + (d if d != "" else '""'))
    if f.get("ignorable"):
        parts.append("ignorable")
    out.append("  " * depth + " ".join(parts))
    for sub in f.get("fields", []):
        field_line(sub, depth + 1, out)


def message(spec, out):
    out.append("message " + spec["name"])
    for cs in spec.get("commonStructs", []):
        out.append("  struct " + cs["name"] + " v=" + cs["versions"])
        for sub in cs["fields"]:
            field_line(sub, 2, out)
    for f in spec["fields"]:
        field_line(f, 1, out)
    out.append("")


def main():
    spec_dir, api, rng, served = sys.argv[1:5]
    req = load(f"{spec_dir}/{api}Request.json")
    resp = load(f"{spec_dir}/{api}Response.json")
    flex = req.get("flexibleVersions", "none")
    out = [f"# {api}: facts from upstream {api}Request.json / {api}Response.json "
           f"(spec validVersions {req['validVersions']}).",
           f"api {api} key={req['apiKey']} versions={rng} flexible={flex} {served}", ""]
    message(req, out)
    message(resp, out)
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
