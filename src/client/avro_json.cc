#include "client/avro_json.h"

#include <algorithm>
#include <climits>

namespace brook::client::avro {

namespace {

using json = nlohmann::json;

struct failure {
    std::string message;
};

// UTF-8 text of code points <= U+00FF → one byte each (Avro's JSON form of bytes).
bool latin1_bytes(const std::string& s, std::string& out) {
    out.clear();
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<uint8_t>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
            out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<uint8_t>(s[++i]) & 0x3F)));
        } else {
            return false;
        }
    }
    return true;
}

std::string latin1_text(const std::string& b) {
    std::string out;
    for (char ch : b) {
        const auto c = static_cast<uint8_t>(ch);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

bool json_fits(const node& n, const json& j) {
    switch (n.t) {
    case type::null: return j.is_null();
    case type::boolean: return j.is_boolean();
    case type::int_: return j.is_number_integer() && j.get<int64_t>() >= INT32_MIN && j.get<int64_t>() <= INT32_MAX;
    case type::long_: return j.is_number_integer();
    case type::float_:
    case type::double_: return j.is_number();
    case type::string: return j.is_string();
    case type::bytes: return j.is_string();
    case type::fixed: return j.is_string();
    case type::enumeration:
        return j.is_string() && std::find(n.symbols.begin(), n.symbols.end(), j.get<std::string>()) != n.symbols.end();
    case type::record: return j.is_object();
    case type::array: return j.is_array();
    case type::map: return j.is_object();
    case type::union_: return false;
    }
    return false;
}

value convert(const node& n, const json& j, const std::string& path) {
    auto wrong = [&] { return failure{path + ": " + j.dump() + " is not a " + type_name(n.t)}; };
    switch (n.t) {
    case type::null:
        if (!j.is_null()) throw wrong();
        return {};
    case type::boolean:
        if (!j.is_boolean()) throw wrong();
        return value(j.get<bool>());
    case type::int_:
        if (!json_fits(n, j)) throw wrong();
        return value(static_cast<int32_t>(j.get<int64_t>()));
    case type::long_:
        if (!j.is_number_integer()) throw wrong();
        return value(j.get<int64_t>());
    case type::float_:
        if (!j.is_number()) throw wrong();
        return value(j.get<float>());
    case type::double_:
        if (!j.is_number()) throw wrong();
        return value(j.get<double>());
    case type::string:
        if (!j.is_string()) throw wrong();
        return value(j.get<std::string>());
    case type::bytes:
    case type::fixed: {
        if (!j.is_string()) throw wrong();
        std::string b;
        if (n.logical == logical::decimal) {
            auto d = decimal_to_bytes(j.get<std::string>(), n.scale);
            if (!d) throw failure{path + ": " + d.err().message};
            b = *d;
            if (n.t == type::fixed) {
                if (b.size() > n.size) throw failure{path + ": " + j.dump() + " does not fit fixed " + n.name};
                // Sign-extend to the fixed size.
                b.insert(0, n.size - b.size(), (static_cast<uint8_t>(b[0]) & 0x80) ? '\xff' : '\0');
            }
        } else if (!latin1_bytes(j.get<std::string>(), b)) {
            throw failure{path + ": bytes are written as code points U+0000..U+00FF"};
        }
        if (n.t == type::fixed && b.size() != n.size)
            throw failure{path + ": fixed " + n.name + " takes " + std::to_string(n.size) + " bytes"};
        return value(bytes{b});
    }
    case type::enumeration:
        if (!json_fits(n, j)) throw failure{path + ": " + j.dump() + " is not a symbol of enum " + n.name};
        return value(enum_symbol{j.get<std::string>()});
    case type::record: {
        if (!j.is_object()) throw wrong();
        record r;
        for (const auto& f : n.fields) {
            auto it = j.find(f.name);
            if (it != j.end()) r.fields.push_back(convert(*f.type, *it, path + "." + f.name));
            else if (f.default_value) r.fields.push_back(convert(*f.type, *f.default_value, path + "." + f.name));
            else throw failure{path + ": no field \"" + f.name + "\" and no default"};
        }
        return value(std::move(r));
    }
    case type::array: {
        if (!j.is_array()) throw wrong();
        array a;
        for (size_t i = 0; i < j.size(); ++i) a.items.push_back(convert(*n.items, j[i], path + "[" + std::to_string(i) + "]"));
        return value(std::move(a));
    }
    case type::map: {
        if (!j.is_object()) throw wrong();
        map m;
        for (const auto& [k, x] : j.items()) m.entries.emplace_back(k, convert(*n.items, x, path + "[\"" + k + "\"]"));
        return value(std::move(m));
    }
    case type::union_:
        for (size_t i = 0; i < n.branches.size(); ++i) {
            if (!json_fits(*n.branches[i], j)) continue;
            try {
                value v = convert(*n.branches[i], j, path);
                v.branch = static_cast<int>(i);
                return v;
            } catch (const failure&) { // e.g. a record missing a field: try the next branch
            }
        }
        throw failure{path + ": " + j.dump() + " fits no branch of the union"};
    }
    throw wrong();
}

} // namespace

result<value> from_json(const node& n, const nlohmann::json& j) {
    try {
        return convert(n, j, n.name.empty() ? std::string(type_name(n.t)) : n.name);
    } catch (const failure& f) {
        return error{"avro json: " + f.message};
    }
}

nlohmann::json to_json(const node& n, const value& v) {
    struct visit {
        const node& n;
        json operator()(std::monostate) const { return nullptr; }
        json operator()(bool b) const { return b; }
        json operator()(int32_t i) const { return i; }
        json operator()(int64_t l) const { return l; }
        json operator()(float f) const { return f; }
        json operator()(double d) const { return d; }
        json operator()(const std::string& s) const { return s; }
        json operator()(const bytes& b) const {
            if (n.logical == logical::decimal) return decimal_from_bytes(b.data, n.scale);
            return latin1_text(b.data);
        }
        json operator()(const enum_symbol& e) const { return e.symbol; }
        json operator()(const record& r) const {
            json o = json::object();
            for (size_t i = 0; i < n.fields.size() && i < r.fields.size(); ++i)
                o[n.fields[i].name] = to_json(*n.fields[i].type, r.fields[i]);
            return o;
        }
        json operator()(const array& a) const {
            json o = json::array();
            for (const auto& x : a.items) o.push_back(to_json(*n.items, x));
            return o;
        }
        json operator()(const map& m) const {
            json o = json::object();
            for (const auto& [k, x] : m.entries) o[k] = to_json(*n.items, x);
            return o;
        }
    };
    if (n.t == type::union_) {
        if (v.branch >= 0 && static_cast<size_t>(v.branch) < n.branches.size())
            return to_json(*n.branches[static_cast<size_t>(v.branch)], v);
        return nullptr;
    }
    return std::visit(visit{n}, v.v);
}

} // namespace brook::client::avro
