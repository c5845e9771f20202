#include "client/avro_codec.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace brook::client::avro {

namespace {

constexpr int max_depth = 512; // nesting a recursive schema may reach before data is refused

const char* held(const value& v) {
    switch (v.v.index()) {
    case 0: return "null";
    case 1: return "boolean";
    case 2: return "int";
    case 3: return "long";
    case 4: return "float";
    case 5: return "double";
    case 6: return "string";
    case 7: return "bytes";
    case 8: return "enum symbol";
    case 9: return "record";
    case 10: return "array";
    case 11: return "map";
    }
    return "?";
}

// Whether v can be encoded as n without a conversion (for picking a union branch).
bool fits(const node& n, const value& v) {
    switch (n.t) {
    case type::null: return std::holds_alternative<std::monostate>(v.v);
    case type::boolean: return std::holds_alternative<bool>(v.v);
    case type::int_: return std::holds_alternative<int32_t>(v.v);
    case type::long_: return std::holds_alternative<int64_t>(v.v) || std::holds_alternative<int32_t>(v.v);
    case type::float_: return std::holds_alternative<float>(v.v);
    case type::double_: return std::holds_alternative<double>(v.v) || std::holds_alternative<float>(v.v);
    case type::string: return std::holds_alternative<std::string>(v.v);
    case type::bytes: return std::holds_alternative<bytes>(v.v);
    case type::fixed: {
        auto* b = std::get_if<bytes>(&v.v);
        return b && b->data.size() == n.size;
    }
    case type::enumeration: {
        auto* e = std::get_if<enum_symbol>(&v.v);
        return e && std::find(n.symbols.begin(), n.symbols.end(), e->symbol) != n.symbols.end();
    }
    case type::record: {
        auto* r = std::get_if<record>(&v.v);
        return r && r->fields.size() == n.fields.size();
    }
    case type::array: return std::holds_alternative<array>(v.v);
    case type::map: return std::holds_alternative<map>(v.v);
    case type::union_: return false;
    }
    return false;
}

void put_bytes(std::string& out, std::string_view b) {
    put_long(out, static_cast<int64_t>(b.size()));
    out.append(b);
}

void put_float(std::string& out, float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
}

void put_double(std::string& out, double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
}

class encoder {
public:
    explicit encoder(std::string& out) : out_(out) {}

    std::string run(const node& n, const value& v, const std::string& path, int depth) {
        if (depth > max_depth) return path + ": nested deeper than " + std::to_string(max_depth);
        auto wrong = [&] {
            return path + ": expected " + (n.name.empty() ? std::string(type_name(n.t)) : std::string(type_name(n.t)) + " " + n.name) +
                   ", got " + held(v);
        };
        switch (n.t) {
        case type::null:
            if (!std::holds_alternative<std::monostate>(v.v)) return wrong();
            return {};
        case type::boolean:
            if (auto* b = std::get_if<bool>(&v.v)) {
                out_.push_back(*b ? 1 : 0);
                return {};
            }
            return wrong();
        case type::int_:
            if (auto* i = std::get_if<int32_t>(&v.v)) {
                put_long(out_, *i);
                return {};
            }
            if (auto* l = std::get_if<int64_t>(&v.v)) {
                if (*l < INT32_MIN || *l > INT32_MAX) return path + ": " + std::to_string(*l) + " does not fit an int";
                put_long(out_, *l);
                return {};
            }
            return wrong();
        case type::long_:
            if (auto* l = std::get_if<int64_t>(&v.v)) put_long(out_, *l);
            else if (auto* i = std::get_if<int32_t>(&v.v)) put_long(out_, *i);
            else return wrong();
            return {};
        case type::float_:
            if (auto* f = std::get_if<float>(&v.v)) put_float(out_, *f);
            else if (auto* d = std::get_if<double>(&v.v)) put_float(out_, static_cast<float>(*d));
            else return wrong();
            return {};
        case type::double_:
            if (auto* d = std::get_if<double>(&v.v)) put_double(out_, *d);
            else if (auto* f = std::get_if<float>(&v.v)) put_double(out_, *f);
            else return wrong();
            return {};
        case type::string:
            if (auto* s = std::get_if<std::string>(&v.v)) {
                put_bytes(out_, *s);
                return {};
            }
            return wrong();
        case type::bytes:
            if (auto* b = std::get_if<bytes>(&v.v)) {
                put_bytes(out_, b->data);
                return {};
            }
            return wrong();
        case type::fixed:
            if (auto* b = std::get_if<bytes>(&v.v)) {
                if (b->data.size() != n.size)
                    return path + ": fixed " + n.name + " takes " + std::to_string(n.size) + " bytes, got " +
                           std::to_string(b->data.size());
                out_.append(b->data);
                return {};
            }
            return wrong();
        case type::enumeration:
            if (auto* e = std::get_if<enum_symbol>(&v.v)) {
                auto it = std::find(n.symbols.begin(), n.symbols.end(), e->symbol);
                if (it == n.symbols.end()) return path + ": \"" + e->symbol + "\" is not a symbol of enum " + n.name;
                put_long(out_, it - n.symbols.begin());
                return {};
            }
            return wrong();
        case type::record: {
            auto* r = std::get_if<record>(&v.v);
            if (!r) return wrong();
            if (r->fields.size() != n.fields.size())
                return path + ": record " + n.name + " has " + std::to_string(n.fields.size()) + " fields, the datum " +
                       std::to_string(r->fields.size());
            for (size_t i = 0; i < n.fields.size(); ++i)
                if (auto e = run(*n.fields[i].type, r->fields[i], path + "." + n.fields[i].name, depth + 1); !e.empty())
                    return e;
            return {};
        }
        case type::array: {
            auto* a = std::get_if<array>(&v.v);
            if (!a) return wrong();
            if (!a->items.empty()) {
                put_long(out_, static_cast<int64_t>(a->items.size()));
                for (size_t i = 0; i < a->items.size(); ++i)
                    if (auto e = run(*n.items, a->items[i], path + "[" + std::to_string(i) + "]", depth + 1); !e.empty())
                        return e;
            }
            put_long(out_, 0);
            return {};
        }
        case type::map: {
            auto* m = std::get_if<map>(&v.v);
            if (!m) return wrong();
            if (!m->entries.empty()) {
                put_long(out_, static_cast<int64_t>(m->entries.size()));
                for (const auto& [k, x] : m->entries) {
                    put_bytes(out_, k);
                    if (auto e = run(*n.items, x, path + "[\"" + k + "\"]", depth + 1); !e.empty()) return e;
                }
            }
            put_long(out_, 0);
            return {};
        }
        case type::union_: {
            int b = v.branch;
            if (b >= static_cast<int>(n.branches.size()))
                return path + ": union branch " + std::to_string(b) + " of " + std::to_string(n.branches.size());
            if (b < 0) {
                for (size_t i = 0; i < n.branches.size() && b < 0; ++i)
                    if (fits(*n.branches[i], v)) b = static_cast<int>(i);
                if (b < 0) return path + ": no branch of the union takes a " + held(v);
            }
            put_long(out_, b);
            return run(*n.branches[static_cast<size_t>(b)], v, path, depth + 1);
        }
        }
        return path + ": unknown type";
    }

private:
    std::string& out_;
};

class decoder {
public:
    explicit decoder(std::string_view in) : in_(in) {}

    // Sets err_ on failure; the returned value is then meaningless.
    value run(const node& n, const std::string& path, int depth) {
        if (depth > max_depth) return fail(path, "nested deeper than " + std::to_string(max_depth));
        switch (n.t) {
        case type::null: return {};
        case type::boolean: {
            if (pos_ >= in_.size()) return fail(path, "boolean past the end");
            const auto b = static_cast<uint8_t>(in_[pos_++]);
            if (b > 1) return fail(path, "boolean byte " + std::to_string(b) + " is neither 0 nor 1");
            return value(b == 1);
        }
        case type::int_: {
            int64_t x = 0;
            if (!long_(path, x)) return {};
            if (x < INT32_MIN || x > INT32_MAX) return fail(path, "int varint out of range");
            return value(static_cast<int32_t>(x));
        }
        case type::long_: {
            int64_t x = 0;
            if (!long_(path, x)) return {};
            return value(x);
        }
        case type::float_: {
            if (in_.size() - pos_ < 4) return fail(path, "float past the end");
            uint32_t u = 0;
            for (int i = 0; i < 4; ++i) u |= uint32_t(uint8_t(in_[pos_ + i])) << (8 * i);
            pos_ += 4;
            float f;
            std::memcpy(&f, &u, 4);
            return value(f);
        }
        case type::double_: {
            if (in_.size() - pos_ < 8) return fail(path, "double past the end");
            uint64_t u = 0;
            for (int i = 0; i < 8; ++i) u |= uint64_t(uint8_t(in_[pos_ + i])) << (8 * i);
            pos_ += 8;
            double d;
            std::memcpy(&d, &u, 8);
            return value(d);
        }
        case type::string: {
            std::string_view s;
            if (!sized(path, s)) return {};
            return value(std::string(s));
        }
        case type::bytes: {
            std::string_view s;
            if (!sized(path, s)) return {};
            return value(bytes{std::string(s)});
        }
        case type::fixed: {
            if (in_.size() - pos_ < n.size) return fail(path, "fixed " + n.name + " past the end");
            value v(bytes{std::string(in_.substr(pos_, n.size))});
            pos_ += n.size;
            return v;
        }
        case type::enumeration: {
            int64_t i = 0;
            if (!long_(path, i)) return {};
            if (i < 0 || static_cast<uint64_t>(i) >= n.symbols.size())
                return fail(path, "enum index " + std::to_string(i) + " of " + std::to_string(n.symbols.size()) + " symbols");
            return value(enum_symbol{n.symbols[static_cast<size_t>(i)]});
        }
        case type::record: {
            record r;
            r.fields.reserve(n.fields.size());
            for (const auto& f : n.fields) {
                r.fields.push_back(run(*f.type, path + "." + f.name, depth + 1));
                if (!err_.empty()) return {};
            }
            return value(std::move(r));
        }
        case type::array: {
            array a;
            if (!blocks(n, path, [&](size_t i) {
                    a.items.push_back(run(*n.items, path + "[" + std::to_string(i) + "]", depth + 1));
                }))
                return {};
            return value(std::move(a));
        }
        case type::map: {
            map m;
            if (!blocks(n, path, [&](size_t) {
                    std::string_view k;
                    if (!sized(path, k)) return;
                    std::string key(k);
                    m.entries.emplace_back(key, run(*n.items, path + "[\"" + key + "\"]", depth + 1));
                }))
                return {};
            return value(std::move(m));
        }
        case type::union_: {
            int64_t b = 0;
            if (!long_(path, b)) return {};
            if (b < 0 || static_cast<uint64_t>(b) >= n.branches.size())
                return fail(path, "union branch " + std::to_string(b) + " of " + std::to_string(n.branches.size()));
            value v = run(*n.branches[static_cast<size_t>(b)], path, depth + 1);
            v.branch = static_cast<int>(b);
            return v;
        }
        }
        return fail(path, "unknown type");
    }

    const std::string& error() const { return err_; }
    size_t pos() const { return pos_; }

private:
    value fail(const std::string& path, const std::string& what) {
        if (err_.empty()) err_ = "avro: " + path + ": " + what + " at byte " + std::to_string(pos_);
        return {};
    }

    bool long_(const std::string& path, int64_t& out) {
        uint64_t u = 0;
        for (int shift = 0;; shift += 7) {
            if (pos_ >= in_.size()) return fail(path, "varint past the end"), false;
            if (shift > 63) return fail(path, "varint longer than 10 bytes"), false;
            const auto b = static_cast<uint8_t>(in_[pos_++]);
            u |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) break;
        }
        out = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
        return true;
    }

    bool sized(const std::string& path, std::string_view& out) {
        int64_t n = 0;
        if (!long_(path, n)) return false;
        if (n < 0) return fail(path, "negative length " + std::to_string(n)), false;
        if (static_cast<uint64_t>(n) > in_.size() - pos_)
            return fail(path, "length " + std::to_string(n) + " past the end (" + std::to_string(in_.size() - pos_) + " left)"), false;
        out = in_.substr(pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        return true;
    }

    // Reads blocks of items; `item(i)` decodes one.
    template <class F>
    bool blocks(const node& n, const std::string& path, F&& item) {
        size_t total = 0;
        for (;;) {
            int64_t count = 0;
            if (!long_(path, count)) return false;
            if (count == 0) return true;
            if (count < 0) {
                if (count == INT64_MIN) return fail(path, "block count out of range"), false;
                count = -count;
                int64_t size = 0; // the block's byte size: lets a reader skip it; we read it
                if (!long_(path, size)) return false;
            }
            // An item takes at least a byte unless it is null (or an empty record): more items
            // than bytes left cannot be real data, and must not allocate.
            const bool free_items = n.items->t == type::null || (n.items->t == type::record && n.items->fields.empty());
            const uint64_t limit = free_items ? (1u << 24) : in_.size() - pos_;
            if (static_cast<uint64_t>(count) > limit)
                return fail(path, "block of " + std::to_string(count) + " items past the end"), false;
            for (int64_t i = 0; i < count; ++i) {
                item(total++);
                if (!err_.empty()) return false;
            }
        }
    }

    std::string_view in_;
    size_t pos_ = 0;
    std::string err_;
};

} // namespace

void put_long(std::string& out, int64_t v) {
    uint64_t u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (u >= 0x80) {
        out.push_back(static_cast<char>((u & 0x7f) | 0x80));
        u >>= 7;
    }
    out.push_back(static_cast<char>(u));
}

result<std::monostate> encode(const node& n, const value& v, std::string& out) {
    encoder e(out);
    if (auto err = e.run(n, v, n.name.empty() ? std::string(type_name(n.t)) : n.name, 0); !err.empty())
        return error{"avro: " + err};
    return std::monostate{};
}

result<value> decode(const schema& s, std::string_view in) {
    decoder d(in);
    const node& n = s.root();
    value v = d.run(n, n.name.empty() ? std::string(type_name(n.t)) : n.name, 0);
    if (!d.error().empty()) return error{d.error()};
    if (d.pos() != in.size())
        return error{"avro: " + std::to_string(in.size() - d.pos()) + " bytes left after the datum (at byte " +
                     std::to_string(d.pos()) + ")"};
    return v;
}

std::string confluent_frame(int32_t schema_id, std::string_view avro_body) {
    std::string out;
    out.reserve(5 + avro_body.size());
    out.push_back('\0');
    const auto u = static_cast<uint32_t>(schema_id);
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(u >> (8 * i)));
    out.append(avro_body);
    return out;
}

result<confluent_payload> parse_confluent_frame(std::string_view b) {
    if (b.size() < 5) return error{"confluent frame: " + std::to_string(b.size()) + " bytes, shorter than the 5-byte header"};
    if (b[0] != '\0')
        return error{"confluent frame: magic byte " + std::to_string(static_cast<uint8_t>(b[0])) + ", not 0"};
    uint32_t id = 0;
    for (int i = 1; i <= 4; ++i) id = (id << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
    return confluent_payload{static_cast<int32_t>(id), b.substr(5)};
}

result<std::string> decimal_to_bytes(std::string_view text, int scale) {
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    std::string digits;
    int frac = -1;
    for (char c : s) {
        if (c == '.' && frac < 0) frac = 0;
        else if (c >= '0' && c <= '9') {
            digits += c;
            if (frac >= 0) ++frac;
        } else {
            return error{"decimal \"" + std::string(text) + "\": not a decimal number"};
        }
    }
    if (digits.empty()) return error{"decimal \"" + std::string(text) + "\": no digits"};
    if (frac < 0) frac = 0;
    for (; frac > scale; --frac) {
        if (digits.back() != '0') return error{"decimal \"" + std::string(text) + "\": more digits than scale " + std::to_string(scale)};
        digits.pop_back();
    }
    for (; frac < scale; ++frac) digits += '0';
    // Magnitude in base 256 by repeated division of the decimal digit string.
    std::vector<uint8_t> dec;
    for (char c : digits) dec.push_back(static_cast<uint8_t>(c - '0'));
    std::vector<uint8_t> mag;
    while (!dec.empty()) {
        std::vector<uint8_t> q;
        unsigned rem = 0;
        for (uint8_t d : dec) {
            rem = rem * 10 + d;
            const unsigned qd = rem / 256;
            rem %= 256;
            if (!q.empty() || qd) q.push_back(static_cast<uint8_t>(qd));
        }
        mag.insert(mag.begin(), static_cast<uint8_t>(rem));
        dec.swap(q);
    }
    while (!mag.empty() && mag.front() == 0) mag.erase(mag.begin());
    if (mag.empty()) return std::string(1, '\0');
    if (!negative) {
        if (mag.front() & 0x80) mag.insert(mag.begin(), 0);
    } else {
        for (auto& b : mag) b = static_cast<uint8_t>(~b);
        for (size_t i = mag.size(); i-- > 0;)
            if (++mag[i] != 0) break;
        if (!(mag.front() & 0x80)) mag.insert(mag.begin(), 0xff);
    }
    return std::string(mag.begin(), mag.end());
}

std::string decimal_from_bytes(std::string_view b, int scale) {
    std::vector<uint8_t> mag(b.begin(), b.end());
    const bool negative = !mag.empty() && (mag.front() & 0x80);
    if (negative) { // two's complement back to the magnitude: subtract one, invert
        for (size_t i = mag.size(); i-- > 0;)
            if (mag[i]-- != 0) break;
        for (auto& x : mag) x = static_cast<uint8_t>(~x);
    }
    std::string digits; // little-endian decimal digits by repeated division by 10
    while (std::any_of(mag.begin(), mag.end(), [](uint8_t x) { return x != 0; })) {
        unsigned rem = 0;
        for (auto& x : mag) {
            const unsigned cur = rem * 256 + x;
            x = static_cast<uint8_t>(cur / 10);
            rem = cur % 10;
        }
        digits.push_back(static_cast<char>('0' + rem));
    }
    while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
    std::string out = negative ? "-" : "";
    for (size_t i = digits.size(); i-- > 0;) {
        out.push_back(digits[i]);
        if (scale > 0 && i == static_cast<size_t>(scale)) out.push_back('.');
    }
    return out;
}

} // namespace brook::client::avro
