#include "registry/json/uri.h"

#include <cctype>
#include <vector>

namespace brook::registry::json {

std::string strip_fragment(std::string_view uri) { return std::string(uri.substr(0, uri.find('#'))); }

std::string fragment_of(std::string_view uri) {
    auto hash = uri.find('#');
    return hash == std::string_view::npos ? std::string() : std::string(uri.substr(hash + 1));
}

bool is_absolute_uri(std::string_view uri) {
    if (uri.empty() || !std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
    for (char c : uri) {
        if (c == ':') return true;
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
    }
    return false;
}

std::string resolve_uri(std::string_view base, std::string_view ref) {
    if (base.empty() || is_absolute_uri(ref)) return std::string(ref);
    const std::string b = strip_fragment(base);
    if (ref.empty()) return b;
    if (ref.front() == '#') return b + std::string(ref);
    // Split the base into "scheme://authority" and its path.
    std::string authority;
    std::string path = b;
    if (auto scheme_end = b.find("://"); scheme_end != std::string::npos) {
        auto path_start = b.find('/', scheme_end + 3);
        authority = path_start == std::string::npos ? b : b.substr(0, path_start);
        path = path_start == std::string::npos ? std::string() : b.substr(path_start);
    }
    std::string merged;
    if (ref.front() == '/') {
        merged = std::string(ref);
    } else {
        auto slash = path.rfind('/');
        if (slash != std::string::npos) merged = path.substr(0, slash + 1) + std::string(ref);
        else merged = (authority.empty() ? "" : "/") + std::string(ref); // "http://host" + "a" = "http://host/a"
    }
    // Remove "." and ".." segments so equal documents get equal names.
    std::vector<std::string> segments;
    std::size_t pos = 0;
    while (pos <= merged.size()) {
        auto next = merged.find('/', pos);
        std::string seg = merged.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        bool last = next == std::string::npos;
        if (seg == ".") {
            if (last) segments.emplace_back();
        } else if (seg == "..") {
            if (!segments.empty() && !(segments.size() == 1 && segments[0].empty())) segments.pop_back();
            if (last) segments.emplace_back();
        } else {
            segments.push_back(std::move(seg));
        }
        if (last) break;
        pos = next + 1;
    }
    std::string out = authority;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) out += '/';
        out += segments[i];
    }
    return out;
}

namespace {

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

const nlohmann::json* resolve_pointer(const nlohmann::json& doc, std::string_view fragment) {
    const std::string pointer = percent_decode(fragment);
    if (pointer.empty()) return &doc;
    if (pointer.front() != '/') return nullptr;
    const nlohmann::json* node = &doc;
    std::size_t pos = 1;
    while (true) {
        auto next = pointer.find('/', pos);
        std::string token = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        std::string unescaped;
        for (std::size_t i = 0; i < token.size(); ++i) {
            if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
                unescaped += token[i + 1] == '0' ? '~' : '/';
                ++i;
            } else {
                unescaped += token[i];
            }
        }
        if (node->is_object()) {
            auto it = node->find(unescaped);
            if (it == node->end()) return nullptr;
            node = &*it;
        } else if (node->is_array()) {
            if (unescaped.empty() || unescaped.find_first_not_of("0123456789") != std::string::npos) return nullptr;
            std::size_t index = std::stoul(unescaped);
            if (index >= node->size()) return nullptr;
            node = &(*node)[index];
        } else {
            return nullptr;
        }
        if (next == std::string::npos) return node;
        pos = next + 1;
    }
}

} // namespace brook::registry::json
