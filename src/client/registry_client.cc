#include "client/registry_client.h"

#include <cctype>

namespace brook::client {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// A 2xx answer of the wrong shape: the registry's reply, not a transport failure.
registry_error unexpected(int status, const std::string& what) {
    return {status, 0, "the registry answered something unexpected: " + what, false};
}

} // namespace

registry_error parse_registry_error(int status, std::string_view body) {
    registry_error e{status, 0, {}, false};
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
        if (auto c = j.find("error_code"); c != j.end() && c->is_number_integer()) e.error_code = c->get<int>();
        if (auto m = j.find("message"); m != j.end() && m->is_string()) e.message = m->get<std::string>();
        if (e.error_code != 0 || !e.message.empty()) {
            if (e.message.empty()) e.message = "HTTP " + std::to_string(status);
            return e;
        }
    }
    // A snippet on one line: an HTML error page is mostly line breaks and indentation.
    std::string text;
    for (char c : trim(body)) {
        bool space = std::isspace(static_cast<unsigned char>(c));
        if (space && (text.empty() || text.back() == ' ')) continue;
        text += space ? ' ' : c;
        if (text.size() == 120) break;
    }
    bool cut = text.size() == 120;
    e.message = "HTTP " + std::to_string(status) + " without a registry error body" +
                (text.empty() ? std::string() : " ('" + text + (cut ? "...'" : "'") + ")") +
                " (is --registry a schema registry?)";
    return e;
}

nlohmann::json schema_request(const std::string& schema, const std::string& type, const nlohmann::json& references) {
    nlohmann::json body{{"schema", schema}};
    if (type != "AVRO") body["schemaType"] = type;
    if (references.is_array() && !references.empty()) body["references"] = references;
    return body;
}

std::string subject_path(const std::string& subject) { return "/subjects/" + encode_path_segment(subject); }

std::variant<registry_client, std::string> registry_client::open(std::string_view url, http_timeouts t) {
    auto u = parse_registry_url(url);
    if (auto* why = std::get_if<std::string>(&u)) return *why;
    return registry_client(std::get<registry_url>(std::move(u)), t);
}

registry_outcome<nlohmann::json> registry_client::call(std::string_view method, const std::string& target,
                                                       const std::optional<nlohmann::json>& body) const {
    std::string payload = body ? body->dump() : std::string();
    auto r = http_request(url_, method, target, payload, timeouts_);
    if (auto* f = std::get_if<http_failure>(&r)) return registry_error{0, 0, f->message, f->unreachable};
    auto& reply = std::get<http_reply>(r);
    if (reply.status >= 200 && reply.status < 300) {
        auto j = nlohmann::json::parse(reply.body, nullptr, false);
        if (!j.is_discarded()) return j;
        return registry_error{reply.status, 0,
                              "the registry answered HTTP " + std::to_string(reply.status) +
                                  " with a body that is not JSON (is --registry a schema registry?)",
                              false};
    }
    return parse_registry_error(reply.status, reply.body);
}

registry_outcome<registered_schema> registry_client::register_schema(const std::string& subject,
                                                                     const std::string& schema,
                                                                     const std::string& type) const {
    auto a = call("POST", subject_path(subject) + "/versions", schema_request(schema, type));
    if (!a) return a.err();
    auto id = a->find("id");
    if (!a->is_object() || id == a->end() || !id->is_number_integer()) return unexpected(200, "no id in " + a->dump());
    return registered_schema{id->get<int>(), 0, schema};
}

registry_outcome<registered_schema> registry_client::lookup(const std::string& subject, const std::string& schema,
                                                            const std::string& type) const {
    auto a = call("POST", subject_path(subject), schema_request(schema, type));
    if (!a) return a.err();
    if (!a->is_object() || !(*a)["id"].is_number_integer() || !(*a)["version"].is_number_integer())
        return unexpected(200, "no id and version in " + a->dump());
    registered_schema r{(*a)["id"].get<int>(), (*a)["version"].get<int>(), {}};
    if (auto s = a->find("schema"); s != a->end() && s->is_string()) r.schema = s->get<std::string>();
    return r;
}

registry_outcome<schema_by_id> registry_client::get_by_id(int id) const {
    auto a = call("GET", "/schemas/ids/" + std::to_string(id));
    if (!a) return a.err();
    auto s = a->is_object() ? a->find("schema") : a->end();
    if (!a->is_object() || s == a->end() || !s->is_string()) return unexpected(200, "no schema in " + a->dump());
    schema_by_id out;
    out.schema = s->get<std::string>();
    if (auto t = a->find("schemaType"); t != a->end() && t->is_string()) out.type = t->get<std::string>();
    return out;
}

registry_outcome<compatibility_answer> registry_client::check_compatibility(const std::string& subject,
                                                                           const std::string& schema,
                                                                           const std::string& type,
                                                                           const std::string& version) const {
    auto a = call("POST", "/compatibility" + subject_path(subject) + "/versions/" + encode_path_segment(version) +
                              "?verbose=true",
                  schema_request(schema, type));
    if (!a) {
        // 40401 subject / 40402 version not found: nothing registered yet, nothing to break.
        if (a.err().error_code == 40401 || a.err().error_code == 40402) {
            compatibility_answer c;
            c.compatible = true;
            c.no_subject = true;
            return c;
        }
        return a.err();
    }
    auto ic = a->is_object() ? a->find("is_compatible") : a->end();
    if (!a->is_object() || ic == a->end() || !ic->is_boolean()) return unexpected(200, "no is_compatible in " + a->dump());
    compatibility_answer c;
    c.compatible = ic->get<bool>();
    if (auto m = a->find("messages"); m != a->end() && m->is_array())
        for (const auto& line : *m)
            if (line.is_string()) c.messages.push_back(line.get<std::string>());
    return c;
}

} // namespace brook::client
