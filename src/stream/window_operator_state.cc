// window_operator's checkpoint side: pane keys, draining changes, restoring panes.
// Keys: 'A' end start group-key (aligned windows), 'S' start group-key (sessions; the end is in
// the value). Values: [session end] group-key values, accumulators (state_codec.h).
#include <cstring>

#include "stream/state_codec.h"
#include "stream/window_operator.h"

namespace brook::stream {

std::string window_operator::aligned_key(const window& w, const std::string& enc) {
    std::string k = "A";
    put_i64(k, w.end);
    put_i64(k, w.start);
    return k + enc;
}

std::string window_operator::session_key(int64_t start, const std::string& enc) {
    std::string k = "S";
    put_i64(k, start);
    return k + enc;
}

void window_operator::drain_changes(const std::function<void(const std::string&, const std::string*)>& f) {
    std::string bytes;
    for (const auto& key : dirty_) {
        std::string_view in(key);
        in.remove_prefix(1);
        bytes.clear();
        if (key[0] == 'A') {
            window w;
            get_i64(in, w.end);
            get_i64(in, w.start);
            const auto& p = aligned_.at(w).at(std::string(in));
            put_values(bytes, p.keys);
            put_accumulators(bytes, p.accs);
        } else {
            int64_t start;
            get_i64(in, start);
            const auto& ks = sessions_.at(std::string(in));
            const auto& s = ks.sessions.at(start);
            put_i64(bytes, s.first);
            put_values(bytes, ks.keys);
            put_accumulators(bytes, s.second);
        }
        f(key, &bytes);
    }
    for (const auto& key : removed_) f(key, nullptr);
    dirty_.clear();
    removed_.clear();
}

bool window_operator::restore(std::string_view key, std::string_view bytes) {
    if (key.empty()) return false;
    const char kind = key[0];
    key.remove_prefix(1);
    std::vector<value> keys;
    std::vector<accumulator> accs;
    if (kind == 'A') {
        window w;
        if (!get_i64(key, w.end) || !get_i64(key, w.start)) return false;
        if (!get_values(bytes, keys) || !get_accumulators(bytes, accs) || accs.size() != aggs_.size()) return false;
        auto& b = aligned_[w];
        auto [it, fresh] = b.try_emplace(std::string(key));
        it->second.keys = std::move(keys);
        it->second.accs = std::move(accs);
        if (fresh) ++open_;
        return true;
    }
    if (kind == 'S') {
        int64_t start, end;
        if (!get_i64(key, start) || !get_i64(bytes, end) || !get_values(bytes, keys) || !get_accumulators(bytes, accs) ||
            accs.size() != aggs_.size())
            return false;
        std::string enc(key);
        auto& ks = sessions_[enc];
        ks.keys = std::move(keys);
        auto [it, fresh] = ks.sessions.insert_or_assign(start, std::make_pair(end, std::move(accs)));
        session_timers_.insert({close_time({start, end}), enc, start});
        if (fresh) ++open_;
        return true;
    }
    return false;
}

} // namespace brook::stream
