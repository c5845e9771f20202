#!/usr/bin/python3
"""Brook protocol code generator: src/protocol/messages/*.def -> C++ structs with encode/decode.

Usage: brook_codegen.py OUT_DIR DEF_FILE...
Writes OUT_DIR/protocol/messages/<api>.h/.cc per .def, OUT_DIR/protocol/messages.h (umbrella +
api visitor), OUT_DIR/protocol/api_table.cc and OUT_DIR/protocol/messages_testing.h (random
sample filling for tests and fuzzers). Stdlib only. The .def format is described in README.md.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from def_format import (LEAF, MAXV, PRIMS, DefError, Field, intersect,  # noqa: E402
                        parse_def, parse_file)


def snake(name):
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Gen:
    """Emits one API's header and source."""

    def __init__(self, api):
        self.api = api
        self.range = api.versions
        self.ff = api.flexible[0] if api.flexible else MAXV
        if self.ff > self.range[1]:
            self.ff = MAXV  # never flexible within the range we serve

    # ---- helpers -----------------------------------------------------------------------------
    def live(self, f):
        return intersect(f.versions, self.range) is not None

    def cond(self, rng):
        """C++ condition for 'version in rng' within the served range; '' if always, None if never."""
        r = intersect(rng, self.range)
        if r is None:
            return None
        parts = []
        if r[0] > self.range[0]:
            parts.append(f"version >= {r[0]}")
        if r[1] < self.range[1]:
            parts.append(f"version <= {r[1]}")
        return " && ".join(parts)

    def positional(self, f):
        """Range of versions where f is a positional (non-tagged) field, as a condition."""
        c = self.cond(f.versions)
        if c is None or f.tag is None:
            return c
        t = intersect(f.tagged, self.range)
        if t is None:
            return c
        # Tagged versions are always a suffix of flexible versions; positional only below.
        below = (f.versions[0], t[0] - 1)
        return self.cond(below) if below[0] <= below[1] else None

    def nullable_anywhere(self, f):
        return intersect(f.nullable, self.range) is not None if f.nullable else False

    def qual(self, msg, struct):
        return f"{msg.name}::{struct.name}"

    def elem_type(self, msg, f):
        if f.elem in PRIMS:
            return PRIMS[f.elem][0]
        return {"string": "std::string", "bytes": "bytes", "uuid": "uuid",
                "records": "records_data"}.get(f.elem) or self.qual(msg, f.struct)

    def cpp_type(self, msg, f):
        t = self.elem_type(msg, f)
        if f.is_array:
            t = f"std::vector<{t}>"
            return f"std::optional<{t}>" if self.nullable_anywhere(f) else t
        if f.elem == "records" or (f.elem in ("string", "bytes") and self.nullable_anywhere(f)):
            return f"std::optional<{t}>"
        return t

    def init(self, f):
        d = f.default
        if f.is_array or f.struct is not None or f.elem in ("bytes", "records", "uuid"):
            return "{}"
        if f.elem == "string":
            if d is None or d == "null" or d == '""':
                return "{}"
            return "{" + '"' + d.replace('"', '\\"') + '"' + "}"
        if f.elem == "bool":
            return "{" + ("true" if d == "true" else "false") + "}"
        if d is None:
            return "{0}"
        if f.elem == "float64":
            return "{" + str(float(d)) + "}"
        return "{static_cast<" + PRIMS[f.elem][0] + ">(" + str(int(d, 0)) + "LL)}"

    # ---- struct emission ---------------------------------------------------------------------
    def structs_in_order(self, msg):
        """Post-order list of nested structs (dependencies first), de-duplicated by name."""
        out, seen = [], {}

        def visit(s):
            for f in s.fields:
                if f.struct is not None and self.live(f):
                    visit(f.struct)
            if s is msg.root:
                return
            if s.name in seen:
                if seen[s.name] is not s:
                    raise DefError(f"{msg.name}: two different structs named {s.name}")
                return
            seen[s.name] = s
            out.append(s)

        for c in msg.commons:
            visit(c)
        visit(msg.root)
        names = set(seen)
        for f in msg.root.fields:
            if f.name in names:
                raise DefError(f"{msg.name}: field {f.name} collides with a nested struct name")
        return out

    def struct_decl(self, msg, s, ind, is_root):
        lines = []
        for f in s.fields:
            if self.live(f):
                lines.append(f"{ind}{self.cpp_type(msg, f)} {f.name}{self.init(f)};")
        lines.append(f"{ind}// Tagged fields we did not recognise; re-emitted on encode.")
        lines.append(f"{ind}tagged_fields unknown_tags;")
        lines.append("")
        lines.append(f"{ind}void encode(writer& w, int16_t version) const;")
        lines.append(f"{ind}// False on truncated or malformed input; never throws or over-reads.")
        lines.append(f"{ind}bool decode(reader& r, int16_t version);")
        # `struct` because a field may carry its struct's own name (DescribeTransactionsResponse's
        # TransactionState.TransactionState), which hides the type inside the struct.
        lines.append(f"{ind}bool operator==(const struct {s.name}&) const = default;")
        return lines

    def header(self):
        api = self.api
        return "\n".join(header_preamble(api.path) + self.header_body() + header_postamble()) + "\n"

    def header_body(self):
        api = self.api
        L = []
        for msg in api.messages:
            L.append(f"struct {msg.name} {{")
            if api.is_data:
                L.append(f'    static constexpr std::string_view data_name = "{api.name}";')
            else:
                L.append(f"    static constexpr int16_t api_key = {api.key};")
                L.append(f'    static constexpr std::string_view api_name = "{api.name}";')
            L.append(f"    static constexpr int16_t min_version = {self.range[0]};")
            L.append(f"    static constexpr int16_t max_version = {self.range[1]};")
            L.append(f"    // {MAXV} (INT16_MAX) when no version we serve is flexible.")
            L.append(f"    static constexpr int16_t first_flexible_version = {self.ff};")
            L.append("")
            for s in self.structs_in_order(msg):
                L.append(f"    struct {s.name} {{")
                L += self.struct_decl(msg, s, "        ", False)
                L.append("    };")
                L.append("")
            L += self.struct_decl(msg, msg.root, "    ", True)
            L.append("};")
            L.append("")
        return L

    # ---- encode ------------------------------------------------------------------------------
    def enc_value(self, msg, f, expr, ind, nullable_cond):
        """Lines encoding expr (type cpp_type(f)) at the current version."""
        e = f.elem
        L = []
        opt = self.cpp_type(msg, f).startswith("std::optional")
        if f.is_array:
            body = []
            v = "(*" + expr + ")" if opt else expr
            body.append(f"{ind}w.length(int64_t({v}.size()), flex, false);")
            body.append(f"{ind}for (const auto& e : {v}) {{")
            ef = Field("e", e, {}, f.line)
            ef.struct = f.struct
            body += self.enc_value(msg, ef, "e", ind + "    ", None)
            body.append(f"{ind}}}")
            if not opt:
                return body
            # Null where the version allows it; an empty array where it does not.
            null_len = "-1" if nullable_cond == "" else "0" if nullable_cond is None \
                else f"({nullable_cond}) ? -1 : 0"
            L.append(f"{ind}if (!{expr}) {{")
            L.append(f"{ind}    w.length({null_len}, flex, false);")
            L.append(f"{ind}}} else {{")
            L += ["    " + b for b in body]
            L.append(f"{ind}}}")
            return L
        if f.struct is not None:
            return [f"{ind}{expr}.encode(w, version);"]
        if e in PRIMS:
            return [f"{ind}w.{PRIMS[e][1]}({expr});"]
        if e == "uuid":
            return [f"{ind}w.write_uuid({expr});"]
        kind = "string" if e == "string" else "bytes"
        plain = "string" if e == "string" else "bytes_field"
        if not opt:
            return [f"{ind}w.{plain}({expr}, flex);"]
        if nullable_cond == "":
            return [f"{ind}w.nullable_{kind}({expr}, flex);"]
        if nullable_cond is None:
            return [f"{ind}w.{plain}(value_or_empty({expr}), flex);"]
        return [f"{ind}if ({nullable_cond}) w.nullable_{kind}({expr}, flex);",
                f"{ind}else w.{plain}(value_or_empty({expr}), flex);"]

    def dec_value(self, msg, f, expr, ind, nullable_cond):
        e = f.elem
        opt = self.cpp_type(msg, f).startswith("std::optional")
        if f.is_array:
            L = [f"{ind}{{", f"{ind}    const int32_t n = r.length(flex, false);",
                 f"{ind}    if (!r.ok()) return false;"]
            if opt:
                if nullable_cond is None:
                    L.append(f"{ind}    if (n < 0) return false;")
                else:
                    c = f"n < 0 && ({nullable_cond})" if nullable_cond else "n < 0"
                    L.append(f"{ind}    if ({c}) {{")
                    L.append(f"{ind}        {expr}.reset();")
                    L.append(f"{ind}    }} else if (n < 0) {{")
                    L.append(f"{ind}        return false;")
                    L.append(f"{ind}    }} else {{")
                v = f"{expr}.emplace()"
            else:
                L.append(f"{ind}    if (n < 0) return false;")
                v = expr
            inner = ind + ("        " if opt and nullable_cond is not None else "    ")
            et = self.elem_type(msg, f)
            ef0 = Field("e", e, {}, f.line)
            ef0.struct = f.struct
            m = self.min_wire_size(ef0, intersect(f.versions, self.range))
            # The declared count must fit in what is left of the input (each element takes at
            # least m bytes), and what it decodes to is counted (reader::charge), before the
            # reservation: a lying count cannot make the decoder allocate.
            L.append(f"{inner}if (static_cast<size_t>(n) > r.remaining() / {m} ||")
            L.append(f"{inner}    !r.charge(static_cast<size_t>(n) * sizeof({et})))")
            L.append(f"{inner}    return false;")
            L.append(f"{inner}auto& v = {v};")
            L.append(f"{inner}v.clear();")
            L.append(f"{inner}v.reserve(static_cast<size_t>(n));")
            L.append(f"{inner}for (int32_t i = 0; i < n; ++i) {{")
            L.append(f"{inner}    {et}& e = v.emplace_back();")
            ef = Field("e", e, {}, f.line)
            ef.struct = f.struct
            L += self.dec_value(msg, ef, "e", inner + "    ", None)
            L.append(f"{inner}}}")
            if opt and nullable_cond is not None:
                L.append(f"{ind}    }}")
            L.append(f"{ind}}}")
            return L
        if f.struct is not None:
            return [f"{ind}if (!{expr}.decode(r, version)) return false;"]
        if e in PRIMS:
            return [f"{ind}{expr} = r.{PRIMS[e][1]}();"]
        if e == "uuid":
            return [f"{ind}{expr} = r.read_uuid();"]
        kind = "string" if e == "string" else "bytes"
        plain = "string" if e == "string" else "bytes_field"
        if not opt:
            return [f"{ind}if (!r.{plain}({expr}, flex)) return false;"]
        if nullable_cond == "":
            return [f"{ind}if (!r.nullable_{kind}({expr}, flex)) return false;"]
        if nullable_cond is None:
            return [f"{ind}if (!r.{plain}({expr}.emplace(), flex)) return false;"]
        return [f"{ind}if ({nullable_cond}) {{",
                f"{ind}    if (!r.nullable_{kind}({expr}, flex)) return false;",
                f"{ind}}} else if (!r.{plain}({expr}.emplace(), flex)) {{",
                f"{ind}    return false;", f"{ind}}}"]

    FIXED_SIZE = {"int8": 1, "bool": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8,
                  "float64": 8, "uuid": 16}

    def min_wire_size(self, f, rng):
        """Fewest bytes f takes on the wire at any version in rng (at least 1): lengths are at
        least one byte (a flexible uvarint), and a struct counts the fields positional at every
        version of rng, plus its tag section when all of rng is flexible."""
        if f.is_array or f.elem in ("string", "bytes", "records"):
            return 1
        if f.struct is None:
            return self.FIXED_SIZE[f.elem]
        total = 1 if self.ff <= rng[0] else 0
        for g in f.struct.fields:
            always = g.versions is not None and g.versions[0] <= rng[0] and g.versions[1] >= rng[1]
            tagged = g.tag is not None and intersect(g.tagged, rng) is not None
            if always and not tagged:
                total += self.min_wire_size(g, rng)
        return max(1, total)

    def null_cond(self, f):
        """Condition for 'null allowed', '' when allowed at every live version of f."""
        if not f.nullable:
            return None
        live = intersect(f.versions, self.range)
        n = intersect(f.nullable, self.range)
        if n is None:
            return None
        if live and n[0] <= live[0] and n[1] >= live[1]:
            return ""
        return self.cond(f.nullable)

    def tagged_here(self, s):
        return [f for f in s.fields if f.tag is not None and self.live(f)
                and intersect(f.tagged, self.range) is not None]

    def flex_line(self):
        if self.ff == MAXV:
            return "    [[maybe_unused]] constexpr bool flex = false;"
        return f"    [[maybe_unused]] const bool flex = version >= {self.ff};"

    def encode_fn(self, msg, s, qname):
        L = [f"void {qname}::encode(writer& w, int16_t version) const {{", self.flex_line()]
        for f in s.fields:
            c = self.positional(f) if self.live(f) else None
            if c is None:
                continue
            body = self.enc_value(msg, f, f.name, "        " if c else "    ", self.null_cond(f))
            L += ([f"    if ({c}) {{"] + body + ["    }"]) if c else body
        tagged = sorted(self.tagged_here(s), key=lambda f: f.tag)
        if self.ff != MAXV:
            L.append("    if (!flex) return;")
            if not tagged:
                L.append("    w.tags(unknown_tags);")
            else:
                # Known tagged fields are sent only when they differ from their default; they
                # are merged with the preserved unknown ones in ascending tag order.
                L.append("    tagged_fields out;")
                for f in tagged:
                    c = self.cond(f.tagged)
                    t = self.cpp_type(msg, f)
                    pres = f"!({f.name} == {t}{self.init(f)})"
                    L.append(f"    if ({(c + ' && ') if c else ''}{pres}) {{")
                    L.append(f"        tagged_field& t = out.emplace_back();")
                    L.append(f"        t.tag = {f.tag};")
                    L.append("        writer w2(t.data);")
                    L += [x.replace("w.", "w2.").replace("encode(w,", "encode(w2,") for x in
                          self.enc_value(msg, f, f.name, "        ", self.null_cond(f))]
                    L.append("    }")
                L.append("    out.insert(out.end(), unknown_tags.begin(), unknown_tags.end());")
                L.append("    std::stable_sort(out.begin(), out.end(),")
                L.append("                     [](const tagged_field& a, const tagged_field& b) { return a.tag < b.tag; });")
                L.append("    w.tags(out);")
        L.append("}")
        return L

    def decode_fn(self, msg, s, qname):
        L = [f"bool {qname}::decode(reader& r, int16_t version) {{", self.flex_line()]
        for f in s.fields:
            c = self.positional(f) if self.live(f) else None
            if c is None:
                continue
            body = self.dec_value(msg, f, f.name, "        " if c else "    ", self.null_cond(f))
            L += ([f"    if ({c}) {{"] + body + ["    }"]) if c else body
        tagged = sorted(self.tagged_here(s), key=lambda f: f.tag)
        if self.ff != MAXV and not tagged:
            L.append("    if (flex && !r.tags(unknown_tags)) return false;")
        elif self.ff != MAXV:
            L.append("    if (flex) {")
            L.append("        unknown_tags.clear();")
            L.append("        const uint32_t count = r.uvarint();")
            L.append("        if (!r.ok() || count > r.remaining() / 2 || !r.charge(size_t(count) * sizeof(tagged_field)))")
            L.append("            return false;")
            L.append("        for (uint32_t i = 0; i < count; ++i) {")
            L.append("            const uint32_t tag = r.uvarint();")
            L.append("            const uint32_t size = r.uvarint();")
            L.append("            const auto data = r.raw(size);")
            L.append("            if (!r.ok()) return false;")
            first = True
            for f in tagged:
                c = self.cond(f.tagged)
                kw = "if" if first else "} else if"
                first = False
                L.append(f"            {kw} (tag == {f.tag}{(' && ' + c) if c else ''}) {{")
                L.append("                reader sub(data);")
                L.append("                auto decode_field = [&](reader& r) -> bool {")
                L += self.dec_value(msg, f, f.name, "                    ", self.null_cond(f))
                L.append("                    return r.ok();")
                L.append("                };")
                L.append("                if (!decode_field(sub) || sub.remaining() != 0 || !r.charge(sub.decoded())) return false;")
            if tagged:
                L.append("            } else {")
                L.append("                unknown_tags.push_back({tag, bytes(data.begin(), data.end())});")
                L.append("            }")
            else:
                L.append("            unknown_tags.push_back({tag, bytes(data.begin(), data.end())});")
            L.append("        }")
            L.append("    }")
        L.append("    return r.ok();")
        L.append("}")
        return L

    def source(self):
        api = self.api
        return source_file(f"protocol/messages/{snake(api.name)}.h", self.source_body())

    def source_body(self):
        L = []
        for msg in self.api.messages:
            for s in self.structs_in_order(msg) + [msg.root]:
                q = msg.name if s is msg.root else f"{msg.name}::{s.name}"
                L += self.encode_fn(msg, s, q) + [""]
                L += self.decode_fn(msg, s, q) + [""]
        return L

    # ---- test support: random sample values --------------------------------------------------
    def fill_fns(self):
        L = []
        for msg in self.api.messages:
            for s in self.structs_in_order(msg) + [msg.root]:
                q = msg.name if s is msg.root else f"{msg.name}::{s.name}"
                L.append(f"inline void fill_sample({q}& s, sample_rng& g, int16_t version, int depth) {{")
                L.append("    (void)g; (void)version; (void)depth;")
                for f in s.fields:
                    if not self.live(f):
                        continue
                    c = self.cond(f.versions)
                    nc = self.null_cond(f)
                    body = self.fill_value(msg, f, "s." + f.name, nc)
                    if c:
                        L.append(f"    if ({c}) {{ {body} }}")
                    else:
                        L.append(f"    {{ {body} }}")
                L.append("}")
                L.append("")
        return L

    def fill_value(self, msg, f, expr, nc):
        opt = self.cpp_type(msg, f).startswith("std::optional")
        if f.is_array:
            ef = Field("e", f.elem, {}, f.line)
            ef.struct = f.struct
            inner = (f"auto& v = {expr}{'.emplace()' if opt else ''}; "
                     f"const int n = depth > 3 ? 0 : int(1 + g.next() % 3) - (depth > 1 ? 1 : 0); "
                     f"for (int i = 0; i < n; ++i) {{ auto& e = v.emplace_back(); "
                     f"{self.fill_value(msg, ef, 'e', None)} }}")
        elif f.struct is not None:
            inner = f"fill_sample({expr}, g, version, depth + 1);"
        elif f.elem in PRIMS:
            t = PRIMS[f.elem][0]
            inner = f"{expr} = g.value<{t}>();"
        elif f.elem == "uuid":
            inner = f"{expr} = g.id();"
        elif f.elem == "string":
            inner = f"{expr} = g.text();"
        elif f.elem == "records":
            inner = f"{expr} = records_data(g.blob());"
        else:
            inner = f"{expr} = g.blob();"
        if opt and nc is not None:
            null_ok = f"({nc})" if nc else "true"
            return f"if ({null_ok} && g.next() % 4 == 0) {{ {expr}.reset(); }} else {{ {inner} }}"
        return inner


def header_preamble(def_path):
    shown = os.path.basename(def_path)
    if os.path.basename(os.path.dirname(def_path)) == "internal":
        shown = "internal/" + shown
    return ["// Generated by tools/codegen/brook_codegen.py from "
            f"src/protocol/messages/{shown}. Do not edit.",
            "#pragma once", "#include <cstdint>", "#include <optional>", "#include <string>",
            "#include <string_view>", "#include <vector>", "", '#include "protocol/wire.h"', "",
            "namespace brook::protocol {", ""]


def header_postamble():
    return ["} // namespace brook::protocol"]


def source_file(header, body):
    L = ["// Generated by tools/codegen/brook_codegen.py. Do not edit.",
         f'#include "{header}"', "", "#include <algorithm>", "",
         "namespace brook::protocol {", ""] + body + ["} // namespace brook::protocol"]
    return "\n".join(L) + "\n"


def write_data_file(out_dir, path, units):
    """One data .def (under messages/internal/) -> protocol/internal/<name>.h/.cc."""
    stem = os.path.splitext(os.path.basename(path))[0]
    gens = [Gen(u) for u in units]
    h = header_preamble(path)
    for g in gens:
        h += g.header_body()
    h += header_postamble()
    write_if_changed(os.path.join(out_dir, "protocol", "internal", stem + ".h"), "\n".join(h) + "\n")
    body = []
    for g in gens:
        body += g.source_body()
    write_if_changed(os.path.join(out_dir, "protocol", "internal", stem + ".cc"),
                     source_file(f"protocol/internal/{stem}.h", body))
    return stem, gens


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        if open(path, encoding="utf-8").read() == text:
            return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    out_dir, defs = argv[1], sorted(argv[2:])
    apis, data_files = [], []
    for p in defs:
        units = parse_file(p)
        if units[0].is_data:
            if any(not u.is_data for u in units):
                raise DefError(f"{p}: 'api' and 'data' units cannot share a file")
            data_files.append((p, units))
        else:
            apis.append(parse_def(p))
    data_gens, data_stems = [], []
    for p, units in data_files:
        stem, gens = write_data_file(out_dir, p, units)
        data_stems.append(stem)
        data_gens += gens
    umb_data = ["// Generated by tools/codegen/brook_codegen.py. Do not edit.",
                "// Internal-topic record schemas (`data` units from messages/internal/*.def).",
                "#pragma once"] + [f'#include "protocol/internal/{s}.h"' for s in data_stems]
    write_if_changed(os.path.join(out_dir, "protocol", "internal_messages.h"), "\n".join(umb_data) + "\n")
    apis.sort(key=lambda a: a.key)
    keys = [a.key for a in apis]
    if len(set(keys)) != len(keys):
        raise DefError("duplicate api key")
    gens = []
    for api in apis:
        g = Gen(api)
        gens.append(g)
        base = os.path.join(out_dir, "protocol", "messages", snake(api.name))
        write_if_changed(base + ".h", g.header())
        write_if_changed(base + ".cc", g.source())

    umb = ["// Generated by tools/codegen/brook_codegen.py. Do not edit.",
           "// All generated message structs, plus visit_api(): the compile-time bridge from a",
           "// runtime API key to its request/response types.",
           "#pragma once", "#include <type_traits>", "", '#include "protocol/api_table.h"']
    umb += [f'#include "protocol/messages/{snake(a.name)}.h"' for a in apis]
    umb += ["", "namespace brook::protocol {", "",
            "// Calls f(std::type_identity<Request>{}, std::type_identity<Response>{}) for the API",
            "// with this key (served or not); returns false if no codec was generated for it.",
            "template <class F>", "bool visit_api(int16_t api_key, F&& f) {", "    switch (api_key) {"]
    for a in apis:
        rq, rs = a.messages[0].name, a.messages[1].name
        umb.append(f"    case {a.key}: f(std::type_identity<{rq}>{{}}, std::type_identity<{rs}>{{}}); return true;")
    umb += ["    default: return false;", "    }", "}", "",
            "// Every API key with generated codecs, served or not.",
            "inline constexpr int16_t generated_api_keys[] = {" + ", ".join(str(k) for k in keys) + "};",
            "", "} // namespace brook::protocol"]
    write_if_changed(os.path.join(out_dir, "protocol", "messages.h"), "\n".join(umb) + "\n")

    tab = ["// Generated by tools/codegen/brook_codegen.py. Do not edit.",
           '#include "protocol/api_table.h"', "", "#include <algorithm>", "",
           "namespace brook::protocol {", "", "namespace {",
           "constexpr api_info served_table[] = {"]
    for g in gens:
        a = g.api
        if a.served:
            tab.append(f'    {{{a.key}, "{a.name}", {g.range[0]}, {g.range[1]}, {g.ff}}},')
    tab += ["};", "} // namespace", "",
            "std::span<const api_info> served_apis() { return served_table; }", "",
            "const api_info* find_api(int16_t key) {",
            "    for (const auto& a : served_table)",
            "        if (a.api_key == key) return &a;",
            "    return nullptr;", "}", "", "} // namespace brook::protocol"]
    write_if_changed(os.path.join(out_dir, "protocol", "api_table.cc"), "\n".join(tab) + "\n")

    fill = ["// Generated by tools/codegen/brook_codegen.py. Do not edit.",
            "// Test/fuzz support only: fills every field present at a version with pseudo-random",
            "// values (nullable fields sometimes null, arrays of 0-2 elements).",
            "#pragma once", '#include "protocol/messages.h"', '#include "protocol/internal_messages.h"', "",
            "namespace brook::protocol::testing {", "",
            "struct sample_rng {",
            "    uint64_t state;",
            "    uint64_t next() { state = state * 6364136223846793005ULL + 1442695040888963407ULL; return state >> 17; }",
            "    template <class T> T value() {",
            "        if constexpr (std::is_same_v<T, bool>) return next() & 1;",
            "        else if constexpr (std::is_same_v<T, double>) return double(int64_t(next() % 100000)) / 8.0;",
            "        else return static_cast<T>(next() * 0x9E3779B97F4A7C15ULL);",
            "    }",
            "    uuid id() { uuid u; for (auto& b : u) b = uint8_t(next()); return u; }",
            "    std::string text() { std::string s(next() % 12, 'x'); for (auto& c : s) c = char('a' + next() % 26); return s; }",
            "    bytes blob() { bytes b(next() % 20); for (auto& c : b) c = uint8_t(next()); return b; }",
            "};", ""]
    for g in gens + data_gens:
        for m in g.api.messages:
            for s in g.structs_in_order(m) + [m.root]:
                q = m.name if s is m.root else f"{m.name}::{s.name}"
                fill.append(f"inline void fill_sample({q}& s, sample_rng& g, int16_t version, int depth = 0);")
    fill.append("")
    for g in gens + data_gens:
        fill += g.fill_fns()
    fill += ["} // namespace brook::protocol::testing"]
    write_if_changed(os.path.join(out_dir, "protocol", "messages_testing.h"), "\n".join(fill) + "\n")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except DefError as e:
        sys.stderr.write(f"brook_codegen: {e}\n")
        sys.exit(1)
