// /config, /mode and /compatibility.
#include <boost/asio/use_awaitable.hpp>

#include "registry/compat.h"
#include "registry/rest_util.h"

namespace brook::registry::rest {

namespace asio = boost::asio;

namespace {

ojson config_json(const subject_config& c) {
    ojson j = ojson::object();
    if (c.compatibility) j["compatibilityLevel"] = *c.compatibility;
    if (c.normalize) j["normalize"] = *c.normalize;
    if (c.json_policy) j["jsonCompatibilityPolicy"] = *c.json_policy;
    return j;
}

subject_config global_config(const state& st) {
    subject_config c = st.config(std::nullopt) ? *st.config(std::nullopt) : subject_config{};
    if (!c.compatibility) c.compatibility = "BACKWARD";
    return c;
}

asio::awaitable<http::response> put_config(store& s, http::request& req, std::optional<std::string> subject) {
    auto parsed = json_object_body(req);
    if (auto* bad = std::get_if<http::response>(&parsed)) co_return std::move(*bad);
    const auto& j = std::get<nlohmann::json>(parsed);
    std::optional<std::string> level;
    std::optional<bool> normalize;
    for (const char* key : {"compatibility", "compatibilityLevel"}) {
        auto it = j.find(key);
        if (it == j.end() || it->is_null() || level) continue;
        if (!it->is_string()) co_return fail(err::invalid_compatibility(it->dump()));
        level = it->get<std::string>();
    }
    if (auto it = j.find("normalize"); it != j.end() && !it->is_null()) {
        if (!it->is_boolean()) co_return fail({422, 422, "Unprocessable Entity: \"normalize\" must be true or false"});
        normalize = it->get<bool>();
    }
    std::optional<std::string> policy;
    if (auto it = j.find("jsonCompatibilityPolicy"); it != j.end() && !it->is_null()) {
        if (!it->is_string()) co_return fail({422, 42203, "Invalid jsonCompatibilityPolicy " + it->dump()});
        policy = it->get<std::string>();
    }
    planner p = [subject, level, normalize, policy](const state& st) {
        return plan_set_config(st, subject, level, normalize, policy);
    };
    co_return co_await write(s, std::move(p));
}

asio::awaitable<http::response> put_mode(store& s, http::request& req, const query& q, std::optional<std::string> subject) {
    auto parsed = json_object_body(req);
    if (auto* bad = std::get_if<http::response>(&parsed)) co_return std::move(*bad);
    const auto& j = std::get<nlohmann::json>(parsed);
    auto it = j.find("mode");
    if (it == j.end() || !it->is_string()) co_return fail(err::invalid_mode(it == j.end() ? "null" : it->dump()));
    planner p = [subject, m = it->get<std::string>(), force = q.flag("force")](const state& st) {
        return plan_set_mode(st, subject, m, force);
    };
    co_return co_await write(s, std::move(p));
}

// POST /compatibility/subjects/{s}/versions[/{v}]: version nullopt checks against what the
// subject's level names (latest, or every live version when transitive).
asio::awaitable<http::response> check(store& s, http::request& req, const query& q, std::optional<std::string> version) {
    const auto& subject = req.param("subject");
    std::optional<int> v;
    if (version) {
        auto pv = parse_version(*version);
        if (auto* e = std::get_if<api_error>(&pv)) co_return fail(*e);
        v = std::get<int>(pv);
    }
    auto body = parse_schema_body(req);
    if (auto* bad = std::get_if<http::response>(&body)) co_return std::move(*bad);
    auto& b = std::get<schema_body>(body);
    const bool verbose = q.flag("verbose");
    co_return s.read([&](const state& st) {
        const compat_level level = st.effective_level(subject);
        std::vector<version_view> previous;
        if (v) {
            auto view = st.get(subject, *v, false);
            if (!view) {
                if (!st.has_subject(subject, false)) return fail(err::subject_not_found(subject));
                return fail(err::version_not_found(*v));
            }
            previous.push_back(*view);
        } else {
            previous = versions_for_level(st, subject, level);
        }
        auto parsed = st.parse(b.kind, b.schema, b.references);
        if (parsed.error) return fail(*parsed.error);
        auto verdict = check_against(st, level, b.kind, *parsed.parsed, previous, st.effective_check_options(subject));
        ojson out = {{"is_compatible", verdict.compatible}};
        if (verbose) out["messages"] = verdict.messages;
        return reply(out);
    });
}

} // namespace

void add_config_routes(http::router& r, store& s) {
    add(r, s, "GET", "/config", [&s](http::request&, const query&) -> asio::awaitable<http::response> {
        co_return s.read([](const state& st) { return reply(config_json(global_config(st))); });
    });
    add(r, s, "PUT", "/config", [&s](http::request& req, const query&) { return put_config(s, req, std::nullopt); });
    add(r, s, "DELETE", "/config", [&s](http::request&, const query&) {
        return write(s, [](const state& st) { return plan_delete_config(st, std::nullopt); });
    });
    add(r, s, "GET", "/config/{subject}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        const auto& subject = req.param("subject");
        const bool fallback = q.flag("defaultToGlobal");
        co_return s.read([&](const state& st) {
            if (const auto* c = st.config(subject)) {
                // A subject config holding only normalize still answers a level (clients read it).
                subject_config shown = *c;
                if (!shown.compatibility) shown.compatibility = global_config(st).compatibility;
                return reply(config_json(shown));
            }
            if (fallback) return reply(config_json(global_config(st)));
            return fail(err::compatibility_not_configured(subject));
        });
    });
    add(r, s, "PUT", "/config/{subject}", [&s](http::request& req, const query&) {
        return put_config(s, req, req.param("subject"));
    });
    add(r, s, "DELETE", "/config/{subject}", [&s](http::request& req, const query&) {
        return write(s, [subject = req.param("subject")](const state& st) { return plan_delete_config(st, subject); });
    });

    add(r, s, "GET", "/mode", [&s](http::request&, const query&) -> asio::awaitable<http::response> {
        co_return s.read([](const state& st) {
            return reply({{"mode", std::string(mode_name(st.subject_mode(std::nullopt).value_or(mode::readwrite)))}});
        });
    });
    add(r, s, "PUT", "/mode", [&s](http::request& req, const query& q) { return put_mode(s, req, q, std::nullopt); });
    add(r, s, "DELETE", "/mode", [&s](http::request&, const query&) {
        return write(s, [](const state& st) { return plan_delete_mode(st, std::nullopt); });
    });
    add(r, s, "GET", "/mode/{subject}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        const auto& subject = req.param("subject");
        const bool fallback = q.flag("defaultToGlobal");
        co_return s.read([&](const state& st) {
            if (auto m = st.subject_mode(subject)) return reply({{"mode", std::string(mode_name(*m))}});
            if (fallback)
                return reply({{"mode", std::string(mode_name(st.subject_mode(std::nullopt).value_or(mode::readwrite)))}});
            return fail(err::mode_not_configured(subject));
        });
    });
    add(r, s, "PUT", "/mode/{subject}", [&s](http::request& req, const query& q) {
        return put_mode(s, req, q, req.param("subject"));
    });
    add(r, s, "DELETE", "/mode/{subject}", [&s](http::request& req, const query&) {
        return write(s, [subject = req.param("subject")](const state& st) { return plan_delete_mode(st, subject); });
    });

    add(r, s, "POST", "/compatibility/subjects/{subject}/versions/{version}", [&s](http::request& req, const query& q) {
        return check(s, req, q, req.param("version"));
    });
    add(r, s, "POST", "/compatibility/subjects/{subject}/versions", [&s](http::request& req, const query& q) {
        return check(s, req, q, std::nullopt);
    });
}

} // namespace brook::registry::rest
