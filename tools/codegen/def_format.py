"""Parser for src/protocol/messages/*.def (format: README.md). Stdlib only."""
import re

MAXV = 0x7FFF

PRIMS = {
    "int8": ("int8_t", "i8"), "int16": ("int16_t", "i16"), "int32": ("int32_t", "i32"),
    "int64": ("int64_t", "i64"), "uint16": ("uint16_t", "u16"), "uint32": ("uint32_t", "u32"),
    "float64": ("double", "f64"), "bool": ("bool", "boolean"),
}
LEAF = set(PRIMS) | {"string", "bytes", "records", "uuid"}


class DefError(Exception):
    pass


def parse_range(text):
    """'3+', '0-4', '5', 'none' -> (lo, hi) or None."""
    if text == "none":
        return None
    if text.endswith("+"):
        return (int(text[:-1]), MAXV)
    if "-" in text:
        lo, hi = text.split("-")
        return (int(lo), int(hi))
    return (int(text), int(text))


def intersect(a, b):
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


class Field:
    def __init__(self, name, type_, attrs, line):
        self.name = name
        self.type = type_
        self.line = line
        self.versions = parse_range(attrs.get("v", "0+"))
        self.nullable = parse_range(attrs.get("null", "none"))
        self.tag = int(attrs["tag"]) if "tag" in attrs else None
        self.tagged = parse_range(attrs.get("tagv", "none")) if self.tag is not None else None
        self.default = attrs.get("default")
        self.children = []
        self.is_array = type_.startswith("[]")
        self.elem = type_[2:] if self.is_array else type_
        self.struct = None  # Struct for struct-typed fields


class Struct:
    def __init__(self, name):
        self.name = name
        self.fields = []


class Message:
    def __init__(self, name):
        self.name = name
        self.root = Struct(name)
        self.commons = []


class Api:
    def __init__(self, path):
        self.path = path
        self.name = None
        self.key = None
        self.versions = None
        self.flexible = None
        self.served = False
        self.messages = []
        self.is_data = False  # a `data` unit: a record key/value schema, not an API


def _range_attrs(words):
    attrs = dict(w.split("=", 1) for w in words if "=" in w)
    return parse_range(attrs["versions"]), parse_range(attrs.get("flexible", "none"))


def parse_def(path):
    """One API file (`api` line + request/response messages)."""
    units = parse_file(path)
    if len(units) != 1 or units[0].is_data:
        raise DefError(f"{path}: expected exactly one 'api' line")
    return units[0]


def parse_file(path):
    """Any .def file: a list of units, either one API or one or more `data` messages
    (`data Name versions=R [flexible=R]` followed by its fields, e.g. __consumer_offsets keys)."""
    units = []
    api = Api(path)
    stack = []  # (depth, container-with-.fields or Field)
    msg = None
    for lineno, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent % 2:
            raise DefError(f"{path}:{lineno}: indentation must be a multiple of 2")
        depth = indent // 2
        words = line.split()
        where = f"{path}:{lineno}"
        if depth == 0 and words[0] == "api":
            api.name = words[1]
            attrs = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            api.key = int(attrs["key"])
            api.versions = parse_range(attrs["versions"])
            api.flexible = parse_range(attrs.get("flexible", "none"))
            api.served = "served" in words[2:]
            units.append(api)
            continue
        if depth == 0 and words[0] == "data":
            api = Api(path)
            api.is_data = True
            api.name = words[1]
            api.versions, api.flexible = _range_attrs(words[2:])
            msg = Message(words[1])
            api.messages.append(msg)
            units.append(api)
            stack = [(0, msg.root)]
            continue
        if depth == 0 and words[0] == "message":
            msg = Message(words[1])
            api.messages.append(msg)
            stack = [(0, msg.root)]
            continue
        if msg is None:
            raise DefError(f"{where}: field outside a message")
        if depth == 1 and words[0] == "struct":
            s = Struct(words[1])
            msg.commons.append(s)
            holder = Field(words[1], words[1], {}, where)
            holder.struct = s
            stack = [(0, msg.root), (1, holder)]
            continue
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if not stack or stack[-1][0] != depth - 1:
            raise DefError(f"{where}: bad nesting")
        parent = stack[-1][1]
        if len(words) < 2:
            raise DefError(f"{where}: expected 'Name type attrs...'")
        attrs = {}
        for w in words[2:]:
            k, _, v = w.partition("=")
            attrs[k] = v
        f = Field(words[0], words[1], attrs, where)
        target = parent if isinstance(parent, Struct) else parent.struct
        if target is None:
            if parent.elem in LEAF:
                raise DefError(f"{where}: {parent.name} has type {parent.type} and no sub-fields")
            parent.struct = Struct(parent.elem)
            target = parent.struct
        target.fields.append(f)
        stack.append((depth, f))
    if not units:
        raise DefError(f"{path}: missing 'api' or 'data' line")
    for u in units:
        for m in u.messages:
            resolve(m)
    return units


def resolve(msg):
    commons = {s.name: s for s in msg.commons}

    def walk(struct):
        for f in struct.fields:
            if f.elem in LEAF:
                if f.struct is not None:
                    raise DefError(f"{f.line}: leaf type with sub-fields")
                continue
            if f.struct is None:
                if f.elem not in commons:
                    raise DefError(f"{f.line}: unknown struct type {f.elem}")
                f.struct = commons[f.elem]
            else:
                walk(f.struct)

    for s in msg.commons:
        walk(s)
    walk(msg.root)
