#include "connect/postgres/pgoutput.h"

#include <cstdio>

#include "base/endian.h"

namespace brook::connect::pg {

std::string format_lsn(lsn l) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(l >> 32), static_cast<unsigned>(l & 0xffffffffu));
    return buf;
}

bool parse_lsn(const std::string& s, lsn& out) {
    unsigned hi = 0, lo = 0;
    char tail = 0;
    if (std::sscanf(s.c_str(), "%X/%X%c", &hi, &lo, &tail) != 2) return false;
    out = (static_cast<lsn>(hi) << 32) | lo;
    return true;
}

namespace {

// A bounds-checked cursor: every read fails (sets bad) instead of running past the end.
class reader {
public:
    explicit reader(std::span<const uint8_t> b) : b_(b) {}
    bool bad = false;

    template <class T>
    T num() {
        if (!need(sizeof(T))) return T{};
        T v = load_be<T>(b_.data() + pos_);
        pos_ += sizeof(T);
        return v;
    }
    std::string cstring() {
        for (size_t i = pos_; i < b_.size(); ++i) {
            if (b_[i] == 0) {
                std::string s(reinterpret_cast<const char*>(b_.data() + pos_), i - pos_);
                pos_ = i + 1;
                return s;
            }
        }
        bad = true;
        return {};
    }
    std::string bytes(size_t n) {
        if (!need(n)) return {};
        std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    bool at_end() const { return pos_ == b_.size(); }
    size_t pos() const { return pos_; }

private:
    bool need(size_t n) {
        if (bad || b_.size() - pos_ < n) {
            bad = true;
            return false;
        }
        return true;
    }
    std::span<const uint8_t> b_;
    size_t pos_ = 0;
};

tuple read_tuple(reader& r) {
    const auto n = r.num<int16_t>();
    tuple t;
    if (n < 0) {
        r.bad = true;
        return t;
    }
    t.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n && !r.bad; ++i) {
        tuple_value v;
        const char kind = static_cast<char>(r.num<uint8_t>());
        switch (kind) {
        case 'n': v.kind = tuple_value::null; break;
        case 'u': v.kind = tuple_value::unchanged; break;
        case 't':
        case 'b': { // 'b' only with proto >= 2's binary option; decoded the same way (raw bytes)
            v.kind = tuple_value::text;
            const auto len = r.num<int32_t>();
            if (len < 0) r.bad = true;
            else v.data = r.bytes(static_cast<size_t>(len));
            break;
        }
        default: r.bad = true;
        }
        t.push_back(std::move(v));
    }
    return t;
}

expected<message> decode_body(char tag, reader& r) {
    switch (tag) {
    case 'B': {
        begin_msg m;
        m.final_lsn = r.num<uint64_t>();
        m.commit_ts = r.num<int64_t>();
        m.xid = r.num<uint32_t>();
        return message{m};
    }
    case 'C': {
        commit_msg m;
        m.flags = r.num<uint8_t>();
        m.commit_lsn = r.num<uint64_t>();
        m.end_lsn = r.num<uint64_t>();
        m.commit_ts = r.num<int64_t>();
        return message{m};
    }
    case 'O': {
        origin_msg m;
        m.commit_lsn = r.num<uint64_t>();
        m.name = r.cstring();
        return message{std::move(m)};
    }
    case 'R': {
        relation_msg m;
        m.oid = r.num<uint32_t>();
        m.nspname = r.cstring();
        m.relname = r.cstring();
        m.replica_identity = static_cast<char>(r.num<uint8_t>());
        const auto n = r.num<int16_t>();
        for (int i = 0; i < n && !r.bad; ++i) {
            relation_column c;
            c.key = (r.num<uint8_t>() & 1) != 0;
            c.name = r.cstring();
            c.type_oid = r.num<uint32_t>();
            c.typmod = r.num<int32_t>();
            m.columns.push_back(std::move(c));
        }
        return message{std::move(m)};
    }
    case 'Y': {
        type_msg m;
        m.oid = r.num<uint32_t>();
        m.nspname = r.cstring();
        m.name = r.cstring();
        return message{std::move(m)};
    }
    case 'I': {
        insert_msg m;
        m.rel = r.num<uint32_t>();
        if (r.num<uint8_t>() != 'N') r.bad = true;
        m.new_tuple = read_tuple(r);
        return message{std::move(m)};
    }
    case 'U': {
        update_msg m;
        m.rel = r.num<uint32_t>();
        auto kind = static_cast<char>(r.num<uint8_t>());
        if (kind == 'K' || kind == 'O') {
            m.old_kind = kind;
            m.old_tuple = read_tuple(r);
            kind = static_cast<char>(r.num<uint8_t>());
        }
        if (kind != 'N') r.bad = true;
        m.new_tuple = read_tuple(r);
        return message{std::move(m)};
    }
    case 'D': {
        delete_msg m;
        m.rel = r.num<uint32_t>();
        m.old_kind = static_cast<char>(r.num<uint8_t>());
        if (m.old_kind != 'K' && m.old_kind != 'O') r.bad = true;
        m.old_tuple = read_tuple(r);
        return message{std::move(m)};
    }
    case 'T': {
        truncate_msg m;
        const auto n = r.num<uint32_t>();
        m.options = r.num<uint8_t>();
        for (uint32_t i = 0; i < n && !r.bad; ++i) m.rels.push_back(r.num<uint32_t>());
        return message{std::move(m)};
    }
    default:
        return runtime_error(std::string("pgoutput: unknown message tag '") + tag + "' (is proto_version 1 in use?)");
    }
}

} // namespace

expected<message> decode(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return runtime_error("pgoutput: empty message");
    reader r(bytes.subspan(1));
    const char tag = static_cast<char>(bytes[0]);
    auto m = decode_body(tag, r);
    if (!m) return m;
    if (r.bad) return runtime_error(std::string("pgoutput: '") + tag + "' message truncated or malformed (" +
                                    std::to_string(bytes.size()) + " bytes)");
    if (!r.at_end())
        return runtime_error(std::string("pgoutput: '") + tag + "' message has " +
                             std::to_string(bytes.size() - 1 - r.pos()) + " trailing bytes");
    return m;
}

} // namespace brook::connect::pg
