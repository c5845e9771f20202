#!/usr/bin/python3
"""Differential test: Brook's Avro compatibility checker against python3-avro's.

Generates random schema pairs (fixed seed) by mutating random base schemas in the ways that
matter for schema evolution, asks python3-avro's ReaderWriterCompatibilityChecker (a port of
Avro Java's SchemaCompatibility, which Confluent uses) and Brook (the brook_avro_diff tool) for
each pair, and fails listing every pair where the verdicts, or the incompatibility types, differ.

Also checks every pair of schemas from python3-avro's own compatibility test suite, that
python3-avro's schema parsing examples are accepted or refused as it says, that
Brook's canonical and normalized forms of every schema parse back to themselves, and that
Brook's Parsing Canonical Form equals python3-avro's.

Where python3-avro deviates from Java, Brook follows Java and the generator avoids the case:
  - python compares a reader alias with the writer's full name as written, Java resolves the
    alias against the reader's namespace first: aliases are written fully qualified;
  - python compares the "name" attribute as written ("a.B" vs "B"), Java the short name: names
    are written short, namespaces in the "namespace" attribute;
  - python gives "error" records the type "error" and its checker rejects them as unknown,
    Java treats them as records: no "error" types;
  - a reader field whose name and aliases match two writer fields makes Java throw, python
    takes the first: field aliases never name another writer field.

Usage: avro_diff.py BROOK_AVRO_DIFF [--pairs N] [--seed S]
"""
import argparse
import copy
import json
import random
import subprocess
import sys

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
# Promotions (reader <- writer) and the other direction, for type-change mutations.
NUMERIC = ["int", "long", "float", "double"]
LOGICAL = [{"type": "int", "logicalType": "date"}, {"type": "long", "logicalType": "timestamp-millis"},
           {"type": "string", "logicalType": "uuid"}, {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}]


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.counter = 0

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def type_(self, depth, named):
        r = self.rng.random()
        if depth <= 0 or r < 0.45:
            if self.rng.random() < 0.1:
                return copy.deepcopy(self.rng.choice(LOGICAL))
            return self.rng.choice(PRIMS[1:])
        r = self.rng.random()
        if r < 0.15:
            return {"type": "array", "items": self.type_(depth - 1, named)}
        if r < 0.25:
            return {"type": "map", "values": self.type_(depth - 1, named)}
        if r < 0.40:
            return self.union(depth, named)
        if r < 0.55:
            name = self.fresh("E")
            syms = self.rng.sample(["A", "B", "C", "D", "E", "F"], self.rng.randint(1, 4))
            e = {"type": "enum", "name": name, "symbols": syms}
            if self.rng.random() < 0.3:
                e["default"] = self.rng.choice(syms)
            named.append(name)
            return e
        if r < 0.65:
            name = self.fresh("F")
            named.append(name)
            return {"type": "fixed", "name": name, "size": self.rng.choice([4, 8, 16])}
        if r < 0.72 and named:
            return self.rng.choice(named)  # a reference to a type defined earlier
        return self.record(depth - 1, named)

    def union(self, depth, named):
        branches = []
        seen = set()
        for t in ["null"] + [self.type_(depth - 1, named) for _ in range(self.rng.randint(1, 3))]:
            key = branch_key(t)
            if key in seen or isinstance(t, list):
                continue
            seen.add(key)
            branches.append(t)
        if self.rng.random() < 0.3 and len(branches) > 1:
            branches = branches[1:] + branches[:1]
        return branches

    def record(self, depth, named, name=None):
        name = name or self.fresh("R")
        named.append(name)
        fields = []
        for _ in range(self.rng.randint(1, 5)):
            f = {"name": self.fresh("f"), "type": self.type_(depth, named)}
            if self.rng.random() < 0.4:
                d = default_for(f["type"], self.rng)
                if d is not NO_DEFAULT:
                    f["default"] = d
            fields.append(f)
        rec = {"type": "record", "name": name, "fields": fields}
        if self.rng.random() < 0.15:  # recursive: a linked list through this record
            rec["fields"].append({"name": self.fresh("next"), "type": ["null", name], "default": None})
        return rec

    def schema(self):
        named = []
        s = self.record(3, named)
        if self.rng.random() < 0.3:
            s["namespace"] = self.rng.choice(["ns1", "ns2.sub"])
        return s


NO_DEFAULT = object()


def branch_key(t):
    if isinstance(t, str):
        return t
    if isinstance(t, list):
        return "union"
    if t["type"] in ("record", "enum", "fixed"):
        return t["name"]
    return t["type"]


def default_for(t, rng):
    """A valid default for type t, or NO_DEFAULT where one is awkward to build."""
    if isinstance(t, list):
        return default_for(t[0], rng) if t else NO_DEFAULT
    if isinstance(t, str):
        return {"null": None, "boolean": True, "int": 1, "long": 2, "float": 1.5, "double": 2.5,
                "bytes": "\u00ff", "string": "x"}.get(t, NO_DEFAULT)  # a name: unknown here
    k = t["type"]
    if k in PRIMS:
        return default_for(k, rng)
    if k == "array":
        return []
    if k == "map":
        return {}
    if k == "enum":
        return t["symbols"][0]
    if k == "fixed":
        return "a" * t["size"]
    if k == "record":
        out = {}
        for f in t["fields"]:
            d = f.get("default", NO_DEFAULT)
            if d is NO_DEFAULT:
                d = default_for(f["type"], rng)
            if d is NO_DEFAULT:
                return NO_DEFAULT
            out[f["name"]] = d
        return out
    return NO_DEFAULT


# ---- mutations: each takes a schema (deep-copied) and changes one thing in place ----

def walk(t, fn, post=False):
    """Calls fn(node) for every dict/list type node, parents first (or last with post)."""
    if isinstance(t, dict):
        if not post:
            fn(t)
        if t["type"] in ("record", "error"):
            for f in t["fields"]:
                walk(f["type"], fn, post)
        elif t["type"] == "array":
            walk(t["items"], fn, post)
        elif t["type"] == "map":
            walk(t["values"], fn, post)
        if post:
            fn(t)
    elif isinstance(t, list):
        if not post:
            fn(t)
        for b in t:
            walk(b, fn, post)
        if post:
            fn(t)


def nodes_of(s, kind):
    out = []
    walk(s, lambda n: out.append(n) if (isinstance(n, dict) and n.get("type") == kind) or (kind == "union" and isinstance(n, list)) else None)
    return out


def all_fields(s):
    out = []
    for r in nodes_of(s, "record"):
        out.extend((r, f) for f in r["fields"])
    return out


def m_add_field(s, g, rng):
    r = rng.choice(nodes_of(s, "record"))
    f = {"name": g.fresh("f"), "type": g.type_(1, [])}
    if rng.random() < 0.6:
        d = default_for(f["type"], rng)
        if d is not NO_DEFAULT:
            f["default"] = d
    r["fields"].insert(rng.randint(0, len(r["fields"])), f)


def m_remove_field(s, g, rng):
    r = rng.choice(nodes_of(s, "record"))
    if r["fields"]:
        r["fields"].pop(rng.randrange(len(r["fields"])))


def m_toggle_default(s, g, rng):
    fs = all_fields(s)
    if not fs:
        return
    _, f = rng.choice(fs)
    if "default" in f:
        del f["default"]
    else:
        d = default_for(f["type"], rng)
        if d is not NO_DEFAULT:
            f["default"] = d


def retype_prim(t, rng):
    if isinstance(t, str) and t in NUMERIC:
        return rng.choice([x for x in NUMERIC if x != t])
    if t in ("string", "bytes"):
        return "bytes" if t == "string" else "string"
    return rng.choice(PRIMS[1:])


def m_change_prim(s, g, rng):
    fs = [(r, f) for r, f in all_fields(s) if isinstance(f["type"], str) and f["type"] in PRIMS]
    if not fs:
        return
    _, f = rng.choice(fs)
    f["type"] = retype_prim(f["type"], rng)
    f.pop("default", None)
    if rng.random() < 0.5:
        d = default_for(f["type"], rng)
        if d is not NO_DEFAULT:
            f["default"] = d


def m_enum_symbols(s, g, rng):
    es = nodes_of(s, "enum")
    if not es:
        return
    e = rng.choice(es)
    r = rng.random()
    if r < 0.4 and len(e["symbols"]) > 1:
        victim = rng.choice([x for x in e["symbols"] if x != e.get("default")])
        e["symbols"].remove(victim)
    elif r < 0.8:
        extra = [x for x in "ABCDEFGH" if x not in e["symbols"]]
        e["symbols"].append(rng.choice(extra))
    elif "default" in e:
        del e["default"]
    else:
        e["default"] = rng.choice(e["symbols"])
    fix_enum_defaults(s)


def fix_enum_defaults(s):
    """Field defaults naming a removed symbol would not parse: point them at a live one."""
    def fix(n):
        if isinstance(n, dict) and n.get("type") == "record":
            for f in n["fields"]:
                t = f["type"]
                if isinstance(t, dict) and t.get("type") == "enum" and "default" in f and f["default"] not in t["symbols"]:
                    f["default"] = t["symbols"][0]
    walk(s, fix)


def m_union(s, g, rng):
    us = nodes_of(s, "union")
    fs = all_fields(s)
    r = rng.random()
    if us and r < 0.6:
        u = rng.choice(us)
        if rng.random() < 0.5 and len(u) > 1:
            u.pop(rng.randrange(1, len(u)))  # keep the first branch: field defaults follow it
        else:
            t = rng.choice(PRIMS[1:])
            if t not in [branch_key(b) for b in u]:
                u.append(t)
    elif fs:
        _, f = rng.choice(fs)
        t = f["type"]
        if isinstance(t, list):
            if len(t) == 2 and t[0] == "null":
                f["type"] = t[1]  # unwrap ["null", X] -> X
                f.pop("default", None)
        else:
            f["type"] = [t, "null"] if rng.random() < 0.5 else ["null", t]
            if isinstance(f["type"][0], str) and f["type"][0] == "null":
                f["default"] = None
            elif "default" in f and not isinstance(t, str):
                pass
    fix_union_defaults(s, rng)


def fix_union_defaults(s, rng):
    def fix(n):
        if isinstance(n, dict) and n.get("type") == "record":
            for f in n["fields"]:
                if "default" in f and isinstance(f["type"], list):
                    d = default_for(f["type"], rng)
                    if d is NO_DEFAULT:
                        del f["default"]
                    else:
                        f["default"] = d
    walk(s, fix)


def m_fixed_size(s, g, rng):
    fx = nodes_of(s, "fixed")
    if fx:
        f = rng.choice(fx)
        f["size"] = rng.choice([x for x in [2, 4, 8, 16, 32] if x != f["size"]])
        fix_fixed_defaults(s)


def fix_fixed_defaults(s):
    def fix(n):
        if isinstance(n, dict) and n.get("type") == "record":
            for f in n["fields"]:
                t = f["type"]
                if isinstance(t, dict) and t.get("type") == "fixed" and "default" in f:
                    f["default"] = "a" * t["size"]
    walk(s, fix)


def rename_refs(s, old, new):
    def ren(n):
        if isinstance(n, dict) and n.get("type") == "record":
            for f in n["fields"]:
                if f["type"] == old:
                    f["type"] = new
                elif isinstance(f["type"], list):
                    f["type"] = [new if b == old else b for b in f["type"]]
        if isinstance(n, dict) and n.get("type") == "array" and n["items"] == old:
            n["items"] = new
        if isinstance(n, dict) and n.get("type") == "map" and n["values"] == old:
            n["values"] = new
        if isinstance(n, list):
            n[:] = [new if b == old else b for b in n]
    walk(s, ren)


def m_rename_type(s, g, rng):
    named = nodes_of(s, "record") + nodes_of(s, "enum") + nodes_of(s, "fixed")
    t = rng.choice(named)
    old = t["name"]
    new = g.fresh("N")
    t["name"] = new
    rename_refs(s, old, new)
    if rng.random() < 0.6 and (g.base_namespace or not s.get("namespace")):
        # The writer's full name (the base's namespace), fully qualified: see the docstring.
        # A null-namespace writer name cannot be aliased from a namespaced reader in a way
        # python and Java read alike, so that case gets no alias.
        t["aliases"] = [f"{g.base_namespace}.{old}" if g.base_namespace else old]


def m_rename_field(s, g, rng):
    fs = all_fields(s)
    if not fs:
        return
    _, f = rng.choice(fs)
    old = f["name"]
    f["name"] = g.fresh("f")
    if rng.random() < 0.7:
        f["aliases"] = [old]


def m_namespace(s, g, rng):
    named = nodes_of(s, "record") + nodes_of(s, "enum") + nodes_of(s, "fixed")
    if any("." not in a for n in named for a in n.get("aliases", [])):
        # A dotless alias (of a type in the null namespace) would be resolved against the new
        # namespace by Java but compared as written by python: see the module docstring.
        return
    if "namespace" in s and rng.random() < 0.5:
        del s["namespace"]
    else:
        s["namespace"] = rng.choice(["ns1", "ns3", "ns2.sub"])
    # aliases were written for the old namespace; keep them pointing at the same full names
    # (they already are fully qualified).


def m_container(s, g, rng):
    arrs = nodes_of(s, "array") + nodes_of(s, "map")
    fs = all_fields(s)
    if arrs and rng.random() < 0.5:
        a = rng.choice(arrs)
        key = "items" if a["type"] == "array" else "values"
        inner = a[key]
        if isinstance(inner, str) and inner in PRIMS:
            a[key] = retype_prim(inner, rng)
        elif rng.random() < 0.5:
            a["type"], other = ("map", "values") if a["type"] == "array" else ("array", "items")
            a[other] = a.pop(key)
    elif fs:
        _, f = rng.choice(fs)
        if isinstance(f["type"], str) and f["type"] in PRIMS:
            f["type"] = {"type": rng.choice(["array", "map"]), **({"items": f["type"]} if rng.random() < 0.5 else {})}
            if "items" not in f["type"]:
                if f["type"]["type"] == "array":
                    f["type"]["items"] = "int"
                else:
                    f["type"]["values"] = "int"
            elif f["type"]["type"] == "map":
                f["type"]["values"] = f["type"].pop("items")
            f.pop("default", None)
    fix_container_defaults(s)


def fix_container_defaults(s):
    def fix(n):
        if isinstance(n, dict) and n.get("type") == "record":
            for f in n["fields"]:
                t = f["type"]
                if isinstance(t, dict) and t.get("type") in ("array", "map") and "default" in f:
                    f["default"] = [] if t["type"] == "array" else {}
    walk(s, fix)


MUTATIONS = [m_add_field, m_remove_field, m_toggle_default, m_change_prim, m_enum_symbols, m_union,
             m_fixed_size, m_rename_type, m_rename_field, m_namespace, m_container]


def refresh_defaults(s, rng):
    """Rebuilds every field default from its (possibly mutated) type, so that defaults stay
    valid the way Java validates them (python3-avro does not check nested record defaults)."""
    def fix(n):
        if isinstance(n, dict) and n.get("type") == "record":
            for f in n["fields"]:
                if "default" in f:
                    d = default_for(f["type"], rng)
                    if d is NO_DEFAULT:
                        del f["default"]
                    else:
                        f["default"] = d
    walk(s, fix, post=True)  # inner records first: an outer default is built from them
    return s


def mutate(s, g, rng):
    g.base_namespace = s.get("namespace")
    out = copy.deepcopy(s)
    for _ in range(rng.randint(1, 3)):
        rng.choice(MUTATIONS)(out, g, rng)
    return refresh_defaults(out, rng)


PRIMITIVE_NAMES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def python_pcf(text):
    """python3-avro's Parsing Canonical Form with its two known deviations from the spec (and
    Java's SchemaNormalization) undone: a primitive that had a logical type stays
    {"type":"int"} there instead of "int" ([PRIMITIVES]), and a fixed type is written in full
    again where it is used a second time instead of by its full name."""
    seen = set()

    def fix(j):
        if isinstance(j, list):
            return [fix(b) for b in j]
        if isinstance(j, dict):
            if list(j) == ["type"] and j["type"] in PRIMITIVE_NAMES:
                return j["type"]
            if j.get("type") in ("record", "enum", "fixed"):
                if j["name"] in seen:
                    return j["name"]
                seen.add(j["name"])
            out = {}
            for k, v in j.items():
                if k == "fields":
                    out[k] = [{fk: (fix(fv) if fk == "type" else fv) for fk, fv in f.items()} for f in v]
                elif k in ("items", "values"):
                    out[k] = fix(v)
                else:
                    out[k] = v
            return out
        return j

    return json.dumps(fix(json.loads(avro.schema.parse(text).canonical_form)), separators=(",", ":"))


def python_verdict(reader_text, writer_text):
    reader = avro.schema.parse(reader_text)
    writer = avro.schema.parse(writer_text)
    res = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return res.compatibility is SchemaCompatibilityType.compatible, sorted(t.name.upper() for t in res.incompatibilities)


def suite_schemas():
    """Every schema object defined in python3-avro's own compatibility tests."""
    from avro.test import test_compatibility as t
    out = []
    for name in sorted(dir(t)):
        v = getattr(t, name)
        if isinstance(v, avro.schema.Schema):
            text = json.dumps(v.to_json())
            if '"error"' in text:  # see the module docstring
                continue
            out.append(text)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--pairs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    pairs = []
    kinds = {}
    while len(pairs) < args.pairs:
        g = Gen(rng)
        base = refresh_defaults(g.schema(), rng)
        mutant = mutate(base, g, rng)
        a, b = json.dumps(base), json.dumps(mutant)
        try:
            avro.schema.parse(a)
            avro.schema.parse(b)
        except Exception as e:  # a mutation that made an invalid schema: not a test case
            kinds["skipped (invalid after mutation)"] = kinds.get("skipped (invalid after mutation)", 0) + 1
            continue
        pairs.append((a, b))
        pairs.append((b, a))
    generated = len(pairs)
    suite = suite_schemas()
    for r in suite:
        for w in suite:
            pairs.append((r, w))

    # python3-avro's schema parsing examples: each valid one must parse (and pass the checks
    # below against itself), each invalid one must be refused.
    from avro.test import test_schema
    examples = [(str(e), e.valid) for e in test_schema.EXAMPLES]
    example_lines = "".join(json.dumps({"reader": t, "writer": t}) + "\n" for t, _ in examples)

    lines = "".join(json.dumps({"reader": r, "writer": w}) + "\n" for r, w in pairs)
    proc = subprocess.run([args.tool], input=lines + example_lines, capture_output=True, text=True, check=True)
    answers = [json.loads(l) for l in proc.stdout.splitlines()]
    assert len(answers) == len(pairs) + len(examples), f"{len(answers)} answers for {len(pairs) + len(examples)} lines"
    brook, example_answers = answers[:len(pairs)], answers[len(pairs):]

    disagreements = []
    for (text, valid), b in zip(examples, example_answers):
        if valid and ("error" in b or not b["compatible"] or b["roundtrip"]):
            disagreements.append((text, text, "valid (python3-avro's test_schema), must parse and read itself", b))
        if not valid and "error" not in b:
            disagreements.append((text, text, "invalid (python3-avro's test_schema), must be refused", b))
    compatible = 0
    generated_compatible = 0
    type_counts = {}
    for n, ((r, w), b) in enumerate(zip(pairs, brook)):
        try:
            py_ok, py_types = python_verdict(r, w)
        except Exception as e:  # python cannot check this pair: Brook must at least answer
            disagreements.append((r, w, f"python raised {e!r}", b))
            continue
        if "error" in b:
            disagreements.append((r, w, (py_ok, py_types), b))
            continue
        if b["roundtrip"]:
            disagreements.append((r, w, "text forms must parse back to themselves", b["roundtrip"]))
            continue
        py_pcf = [python_pcf(r), python_pcf(w)]
        if py_pcf != b["pcf"]:
            disagreements.append((r, w, f"Parsing Canonical Form, python: {py_pcf}", b["pcf"]))
            continue
        compatible += py_ok
        if n < generated:
            generated_compatible += py_ok
            for t in set(py_types):
                type_counts[t] = type_counts.get(t, 0) + 1
        if py_ok != b["compatible"] or py_types != sorted(b["types"]):
            disagreements.append((r, w, (py_ok, py_types), b))

    print(f"avro_diff: {len(pairs)} pairs ({generated} generated, {len(pairs) - generated} from python3-avro's suite) "
          f"and {len(examples)} of python3-avro's parsing examples, "
          f"{compatible} compatible, {len(pairs) - compatible} incompatible, {len(disagreements)} disagreements; {kinds}")
    print(f"generated pairs: {generated_compatible} compatible; pairs with each incompatibility type: {dict(sorted(type_counts.items()))}")
    for r, w, py, b in disagreements[:20]:
        print(f"\nreader: {r}\nwriter: {w}\npython: {py}\nbrook:  {b}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
