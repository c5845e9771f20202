// /schemas/..., /schemas/types, / and /v1/metadata/id.
#include <boost/asio/use_awaitable.hpp>

#include <charconv>

#include "registry/rest_util.h"

namespace brook::registry::rest {

namespace asio = boost::asio;

namespace {

std::optional<int> parse_id(const std::string& s) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<int64_t> parse_count(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || p != s->data() + s->size()) return std::nullopt;
    return v;
}

http::response not_found_id(const std::string& raw) {
    return fail({404, 40403, "Schema " + raw + " not found"});
}

} // namespace

void add_schema_routes(http::router& r, store& s) {
    add(r, s, "GET", "/", [](http::request&, const query&) -> asio::awaitable<http::response> {
        co_return reply(ojson::object());
    }, true);

    add(r, s, "GET", "/v1/metadata/id", [&s](http::request&, const query&) -> asio::awaitable<http::response> {
        co_return reply({{"scope",
                          {{"path", ojson::array()},
                           {"clusters", {{"kafka-cluster", s.kafka_cluster_id()}, {"schema-registry-cluster", "schema-registry"}}}}}});
    }, true);

    add(r, s, "GET", "/schemas/types", [&s](http::request&, const query&) -> asio::awaitable<http::response> {
        ojson out = ojson::array();
        s.read([&](const state& st) {
            for (auto k : st.types().kinds()) out.push_back(kind_name(k));
            return 0;
        });
        co_return reply(out);
    }, true);

    add(r, s, "GET", "/schemas", [&s](http::request&, const query& q) -> asio::awaitable<http::response> {
        const auto prefix = subject_prefix(q);
        const bool deleted = q.flag("deleted"), latest_only = q.flag("latestOnly");
        const int64_t offset = std::max<int64_t>(0, parse_count(q.get("offset")).value_or(0));
        int64_t limit = parse_count(q.get("limit")).value_or(-1);
        ojson out = ojson::array();
        s.read([&](const state& st) {
            int64_t skipped = 0;
            for (const auto& name : st.subjects(prefix, deleted, false)) {
                std::vector<int> versions = st.versions(name, deleted, false);
                if (latest_only && !versions.empty()) versions = {versions.back()};
                for (int v : versions) {
                    if (skipped++ < offset) continue;
                    if (limit >= 0 && static_cast<int64_t>(out.size()) >= limit) return 0;
                    if (auto view = st.get(name, v, deleted)) out.push_back(version_json(*view));
                }
            }
            return 0;
        });
        co_return reply(out);
    });

    add(r, s, "GET", "/schemas/ids/{id}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        auto id = parse_id(req.param("id"));
        if (!id) co_return not_found_id(req.param("id"));
        const bool max_id = q.flag("fetchMaxId");
        // `subject` names the context to look in: Brook has the default context only, where
        // ids are global, so the schema is found by id whatever the subject (as Confluent).
        co_return s.read([&](const state& st) {
            const auto* sch = st.schema(*id);
            if (!sch) return fail(err::schema_not_found(*id));
            ojson j = ojson::object();
            if (sch->kind != schema_kind::avro) j["schemaType"] = kind_name(sch->kind);
            j["schema"] = std::string(sch->text());
            if (!sch->references.empty()) j["references"] = references_json(sch->references);
            if (max_id) j["maxId"] = st.max_id();
            return reply(j);
        });
    });

    add(r, s, "GET", "/schemas/ids/{id}/schema", [&s](http::request& req, const query&) -> asio::awaitable<http::response> {
        auto id = parse_id(req.param("id"));
        if (!id) co_return not_found_id(req.param("id"));
        co_return s.read([&](const state& st) {
            const auto* sch = st.schema(*id);
            if (!sch) return fail(err::schema_not_found(*id));
            return text(std::string(sch->text()));
        });
    });

    add(r, s, "GET", "/schemas/ids/{id}/versions", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        auto id = parse_id(req.param("id"));
        if (!id) co_return not_found_id(req.param("id"));
        const bool deleted = q.flag("deleted");
        co_return s.read([&](const state& st) {
            if (!st.schema(*id)) return fail(err::schema_not_found(*id));
            ojson out = ojson::array();
            for (const auto& v : st.versions_of_id(*id, deleted)) out.push_back({{"subject", v.subject}, {"version", v.version}});
            return reply(out);
        });
    });

    add(r, s, "GET", "/schemas/ids/{id}/subjects", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        auto id = parse_id(req.param("id"));
        if (!id) co_return not_found_id(req.param("id"));
        const bool deleted = q.flag("deleted");
        const auto only = q.get("subject");
        co_return s.read([&](const state& st) {
            if (!st.schema(*id)) return fail(err::schema_not_found(*id));
            ojson out = ojson::array();
            for (const auto& v : st.versions_of_id(*id, deleted)) {
                if (only && v.subject != *only) continue;
                if (out.empty() || out.back() != v.subject) out.push_back(v.subject);
            }
            return reply(out);
        });
    });
}

} // namespace brook::registry::rest
