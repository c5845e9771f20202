// The Avro specification's Parsing Canonical Form and its CRC-64-AVRO fingerprint, as Avro
// Java's SchemaNormalization computes them.
#include <array>
#include <set>

#include "registry/avro/canonical.h"
#include "registry/avro/json_text.h"

namespace brook::registry::avro {

namespace {

void pcf(std::string& out, const node& s, std::set<std::string>& env) {
    switch (s.type) {
    case avro_type::union_: {
        out += '[';
        bool first = true;
        for (const node* b : s.branches) {
            if (!first) out += ',';
            first = false;
            pcf(out, *b, env);
        }
        out += ']';
        return;
    }
    case avro_type::array:
    case avro_type::map:
        out += s.type == avro_type::array ? "{\"type\":\"array\",\"items\":" : "{\"type\":\"map\",\"values\":";
        pcf(out, s.type == avro_type::array ? *s.items : *s.values, env);
        out += '}';
        return;
    case avro_type::enum_:
    case avro_type::fixed:
    case avro_type::record: {
        std::string full = s.full_name();
        if (env.count(full)) {
            append_json_string(out, full);
            return;
        }
        env.insert(full);
        out += "{\"name\":";
        append_json_string(out, full);
        out += ",\"type\":";
        append_json_string(out, type_name(s.type));
        if (s.type == avro_type::enum_) {
            out += ",\"symbols\":[";
            bool first = true;
            for (const auto& sym : s.symbols) {
                if (!first) out += ',';
                first = false;
                append_json_string(out, sym);
            }
            out += ']';
        } else if (s.type == avro_type::fixed) {
            out += ",\"size\":" + std::to_string(s.size);
        } else {
            out += ",\"fields\":[";
            bool first = true;
            for (const field& f : s.fields) {
                if (!first) out += ',';
                first = false;
                out += "{\"name\":";
                append_json_string(out, f.name);
                out += ",\"type\":";
                pcf(out, *f.type, env);
                out += '}';
            }
            out += ']';
        }
        out += '}';
        return;
    }
    default: append_json_string(out, type_name(s.type));
    }
}


} // namespace

std::string parsing_canonical_form(const node& root) {
    std::string out;
    std::set<std::string> env;
    pcf(out, root, env);
    return out;
}

uint64_t fingerprint64(std::string_view bytes) {
    static constexpr uint64_t empty = 0xc15d213aa4d7a795ULL;
    static const std::array<uint64_t, 256> table = [] {
        std::array<uint64_t, 256> t{};
        for (uint64_t i = 0; i < 256; ++i) {
            uint64_t fp = i;
            for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (empty & (0 - (fp & 1)));
            t[i] = fp;
        }
        return t;
    }();
    uint64_t fp = empty;
    for (char c : bytes) fp = (fp >> 8) ^ table[(fp ^ static_cast<unsigned char>(c)) & 0xff];
    return fp;
}


} // namespace brook::registry::avro
