// /subjects/...: list, register, look up, versions, delete.
#include <boost/asio/use_awaitable.hpp>

#include "registry/rest_util.h"

namespace brook::registry::rest {

namespace asio = boost::asio;

namespace {

// Confluent's answer for a subject/version that is not there: 40401 when the subject has no
// version at all (as filtered), else 40402.
api_error missing(const state& st, const std::string& subject, int version, bool include_deleted) {
    if (!st.has_subject(subject, include_deleted)) return err::subject_not_found(subject);
    return err::version_not_found(version);
}

http::response get_version(store& s, const std::string& subject, const std::string& v, bool deleted, bool only_schema) {
    auto version = parse_version(v);
    if (auto* e = std::get_if<api_error>(&version)) return fail(*e);
    return s.read([&](const state& st) {
        auto view = st.get(subject, std::get<int>(version), deleted);
        if (!view) return fail(missing(st, subject, std::get<int>(version), deleted));
        if (only_schema) return text(view->schema ? std::string(view->schema->text()) : "");
        return reply(version_json(*view));
    });
}

} // namespace

void add_subject_routes(http::router& r, store& s) {
    add(r, s, "GET", "/subjects", [&s](http::request&, const query& q) -> asio::awaitable<http::response> {
        auto names = s.read([&](const state& st) {
            return st.subjects(subject_prefix(q), q.flag("deleted"), q.flag("deletedOnly"));
        });
        co_return reply(ojson(names));
    });

    add(r, s, "GET", "/subjects/{subject}/versions", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        const auto& subject = req.param("subject");
        const bool deleted = q.flag("deleted"), only = q.flag("deletedOnly");
        co_return s.read([&](const state& st) {
            if (!st.has_subject(subject, deleted || only)) return fail(err::subject_not_found(subject));
            return reply(ojson(st.versions(subject, deleted, only)));
        });
    });

    add(r, s, "POST", "/subjects/{subject}/versions", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        auto body = parse_schema_body(req);
        if (auto* bad = std::get_if<http::response>(&body)) co_return std::move(*bad);
        auto& b = std::get<schema_body>(body);
        register_request rr{req.param("subject"), b.kind, std::move(b.schema), std::move(b.references), b.id, b.version,
                            q.flag("normalize")};
        planner p = [rr = std::move(rr)](const state& st) { return plan_register(st, rr); };
        co_return co_await write(s, std::move(p));
    });

    add(r, s, "POST", "/subjects/{subject}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        auto body = parse_schema_body(req);
        if (auto* bad = std::get_if<http::response>(&body)) co_return std::move(*bad);
        auto& b = std::get<schema_body>(body);
        const auto& subject = req.param("subject");
        const bool deleted = q.flag("deleted");
        co_return s.read([&](const state& st) {
            if (!st.has_subject(subject, deleted)) return fail(err::subject_not_found(subject));
            auto parsed = st.parse(b.kind, b.schema, b.references);
            if (parsed.error) return fail(*parsed.error);
            const bool normalize = q.flag("normalize") || st.effective_normalize(subject);
            auto form = normalize ? parsed.parsed->normalized() : parsed.parsed->canonical();
            auto found = st.find_in_subject(subject, state::identity_of(b.kind, parsed.references, form), normalize, deleted);
            if (!found) return fail(err::schema_not_found());
            return reply(version_json(*found));
        });
    });

    add(r, s, "DELETE", "/subjects/{subject}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        planner p = [subject = req.param("subject"), permanent = q.flag("permanent")](const state& st) {
            return plan_delete_subject(st, subject, permanent);
        };
        co_return co_await write(s, std::move(p));
    });

    add(r, s, "GET", "/subjects/{subject}/versions/{version}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        co_return get_version(s, req.param("subject"), req.param("version"), q.flag("deleted"), false);
    });

    add(r, s, "GET", "/subjects/{subject}/versions/{version}/schema", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        co_return get_version(s, req.param("subject"), req.param("version"), q.flag("deleted"), true);
    });

    add(r, s, "GET", "/subjects/{subject}/versions/{version}/referencedby", [&s](http::request& req, const query&) -> asio::awaitable<http::response> {
        const auto& subject = req.param("subject");
        auto version = parse_version(req.param("version"));
        if (auto* e = std::get_if<api_error>(&version)) co_return fail(*e);
        co_return s.read([&](const state& st) {
            auto view = st.get(subject, std::get<int>(version), true);
            if (!view) return fail(missing(st, subject, std::get<int>(version), true));
            return reply(ojson(st.referenced_by(subject, view->version)));
        });
    });

    add(r, s, "DELETE", "/subjects/{subject}/versions/{version}", [&s](http::request& req, const query& q) -> asio::awaitable<http::response> {
        auto version = parse_version(req.param("version"));
        if (auto* e = std::get_if<api_error>(&version)) co_return fail(*e);
        planner p = [subject = req.param("subject"), v = std::get<int>(version), permanent = q.flag("permanent")](
                        const state& st) { return plan_delete_version(st, subject, v, permanent); };
        co_return co_await write(s, std::move(p));
    });
}

} // namespace brook::registry::rest
