#!/usr/bin/python3
"""Generates validation_cases.json: random draft-07 schemas and documents with the verdict of an
independent implementation, Debian's python3-jsonschema (Draft7Validator), for
validation_differential_test.cc to compare valijson's verdicts against.

Deterministic (fixed seed); run with Debian's /usr/bin/python3 to regenerate:
    /usr/bin/python3 tests/unit/registry_json/gen_validation_cases.py > tests/unit/registry_json/validation_cases.json
Formats are left out (annotations in draft-07; valijson checks a few, python-jsonschema none by
default), as are regular expressions beyond a few simple ones both engines read alike.
"""
import json
import random
import sys

import jsonschema

rng = random.Random(20261201)
NAMES = ["a", "b", "sku", "qty", "note"]
PATTERNS = ["^[a-z]+$", "^[A-Z]{2}", "[0-9]", "^x-"]


def scalar():
    return rng.choice([None, True, False, 0, 1, -3, 2.5, 1.0, 7, "", "x", "ab", "AB12", "x-y", "hello", 10**12])


def doc(depth=0):
    r = rng.random()
    if depth > 2 or r < 0.45:
        return scalar()
    if r < 0.75:
        return {rng.choice(NAMES + ["x-extra", "zz"]): doc(depth + 1) for _ in range(rng.randint(0, 4))}
    return [doc(depth + 1) for _ in range(rng.randint(0, 4))]


def schema(depth=0):
    if depth > 2 or rng.random() < 0.15:
        return rng.choice([True, False, {}, {"type": rng.choice(["string", "integer", "number", "null", "boolean"])}])
    s = {}
    kind = rng.choice(["string", "number", "integer", "object", "array", "any", "combo", "multi"])
    if kind == "string":
        s["type"] = "string"
        if rng.random() < 0.5: s["minLength"] = rng.randint(0, 3)
        if rng.random() < 0.5: s["maxLength"] = rng.randint(1, 5)
        if rng.random() < 0.3: s["pattern"] = rng.choice(PATTERNS)
    elif kind in ("number", "integer"):
        s["type"] = kind
        if rng.random() < 0.5: s["minimum"] = rng.choice([0, 1, -1, 2.5])
        if rng.random() < 0.5: s["maximum"] = rng.choice([1, 7, 10, 2.5])
        if rng.random() < 0.3: s["exclusiveMinimum"] = rng.choice([0, 1])
        if rng.random() < 0.3: s["exclusiveMaximum"] = rng.choice([7, 100])
        if rng.random() < 0.3: s["multipleOf"] = rng.choice([1, 2, 0.5])
    elif kind == "object":
        s["type"] = "object"
        props = {n: schema(depth + 1) for n in rng.sample(NAMES, rng.randint(0, 3))}
        if props: s["properties"] = props
        if props and rng.random() < 0.5: s["required"] = rng.sample(sorted(props), rng.randint(1, len(props)))
        r = rng.random()
        if r < 0.25: s["additionalProperties"] = False
        elif r < 0.4: s["additionalProperties"] = schema(depth + 1)
        if rng.random() < 0.2: s["patternProperties"] = {"^x-": schema(depth + 1)}
        if rng.random() < 0.2: s["minProperties"] = rng.randint(0, 2)
        if rng.random() < 0.2: s["maxProperties"] = rng.randint(1, 3)
        if rng.random() < 0.15: s["propertyNames"] = {"maxLength": 3}
        if rng.random() < 0.15 and props: s["dependencies"] = {rng.choice(sorted(props)): [rng.choice(NAMES)]}
    elif kind == "array":
        s["type"] = "array"
        r = rng.random()
        if r < 0.5: s["items"] = schema(depth + 1)
        elif r < 0.7:
            s["items"] = [schema(depth + 1) for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.5: s["additionalItems"] = rng.choice([False, schema(depth + 1)])
        if rng.random() < 0.3: s["minItems"] = rng.randint(0, 2)
        if rng.random() < 0.3: s["maxItems"] = rng.randint(1, 3)
        if rng.random() < 0.3: s["uniqueItems"] = True
        if rng.random() < 0.2: s["contains"] = schema(depth + 1)
    elif kind == "any":
        r = rng.random()
        if r < 0.4: s["enum"] = [scalar() for _ in range(rng.randint(1, 3))]
        elif r < 0.7: s["const"] = scalar()
        else: s["not"] = schema(depth + 1)
    elif kind == "combo":
        key = rng.choice(["allOf", "anyOf", "oneOf"])
        s[key] = [schema(depth + 1) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            s["if"] = schema(depth + 1)
            s["then"] = schema(depth + 1)
            if rng.random() < 0.5: s["else"] = schema(depth + 1)
    else:
        s["type"] = rng.sample(["string", "integer", "null", "object", "array", "boolean"], rng.randint(1, 3))
    return s


def main():
    cases = []
    while len(cases) < 400:
        s = schema()
        jsonschema.Draft7Validator.check_schema(s)
        v = jsonschema.Draft7Validator(s)
        docs = [doc() for _ in range(5)]
        cases.append({"schema": s, "tests": [{"data": d, "valid": v.is_valid(d)} for d in docs]})
    json.dump(cases, sys.stdout, separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
