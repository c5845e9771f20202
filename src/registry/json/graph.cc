#include "registry/json/graph.h"

#include "registry/json/keywords.h"
#include "registry/json/uri.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace brook::registry::json {
namespace {

using nlohmann::json;

struct node_info {
    const json* doc_root = nullptr;
    std::string base;
    std::string where; // "#/allOf/0" in its document, for messages
    std::vector<const json*> in_place;
};

bool in_place_keyword(const std::string& rel) {
    for (const char* k : {"/allOf/", "/anyOf/", "/oneOf/", "/dependencies/"}) {
        if (rel.rfind(k, 0) == 0) return true;
    }
    return rel == "/not" || rel == "/if" || rel == "/then" || rel == "/else";
}

} // namespace

schema_shape analyse_shape(const json& root, draft d, const std::string& base, const ref_resolver& resolve) {
    const char* id_key = d == draft::draft4 ? "id" : "$id";
    std::unordered_map<const json*, node_info> nodes;
    std::vector<const json*> queue;
    auto discover = [&](const json* n, const json* doc_root, std::string node_base, std::string where) {
        auto [it, fresh] = nodes.try_emplace(n);
        if (!fresh) return;
        it->second.doc_root = doc_root;
        it->second.base = std::move(node_base);
        it->second.where = std::move(where);
        queue.push_back(n);
    };
    discover(&root, &root, base, "#");
    while (!queue.empty()) {
        const json* n = queue.back();
        queue.pop_back();
        if (!n->is_object()) continue;
        // Copies: `nodes` may rehash while this node's successors are discovered.
        const json* doc_root = nodes[n].doc_root;
        std::string here = nodes[n].base;
        const std::string where = nodes[n].where;
        std::vector<const json*> in_place;
        if (auto ref = n->find("$ref"); ref != n->end() && ref->is_string()) {
            // Draft <= 7: $ref replaces the schema; its siblings are not applied.
            if (auto target = resolve(*doc_root, here, ref->get<std::string>()); target && target->node) {
                // Named by the reference itself: paths never grow along a chain of references.
                const std::string& r = ref->get_ref<const std::string&>();
                discover(target->node, target->doc_root, target->base, r);
                in_place.push_back(target->node);
            }
            nodes[n].in_place = std::move(in_place);
            continue;
        }
        if (auto id = n->find(id_key); id != n->end() && id->is_string()) {
            const std::string text = id->get<std::string>();
            if (!text.empty() && text.front() != '#') here = strip_fragment(resolve_uri(here, text));
        }
        for_each_subschema(*n, [&](const json& sub, const std::string& rel) {
            if (rel.rfind("/definitions/", 0) == 0 || rel.rfind("/$defs/", 0) == 0) return; // not applied
            discover(&sub, doc_root, here, where + rel);
            if (in_place_keyword(rel)) in_place.push_back(&sub);
        });
        nodes[n].in_place = std::move(in_place);
    }

    schema_shape shape;
    shape.nodes = nodes.size();
    // Longest in-place chain and loops: an iterative depth-first search with colours.
    std::unordered_map<const json*, std::size_t> longest;
    std::unordered_map<const json*, int> colour; // 1 on the stack, 2 done
    for (const auto& [start, _] : nodes) {
        if (colour[start] == 2) continue;
        std::vector<std::pair<const json*, std::size_t>> stack{{start, 0}};
        colour[start] = 1;
        while (!stack.empty()) {
            auto& [n, next] = stack.back();
            const auto& succ = nodes[n].in_place;
            if (next < succ.size()) {
                const json* s = succ[next++];
                const int c = colour[s];
                if (c == 1) {
                    shape.loop = nodes[n].where + " leads back to " + nodes[s].where;
                    return shape;
                }
                if (c == 0) {
                    colour[s] = 1;
                    stack.emplace_back(s, 0);
                }
                continue;
            }
            std::size_t best = 0;
            for (const json* s : succ) best = std::max(best, longest[s] + 1);
            longest[n] = best;
            shape.longest_in_place = std::max(shape.longest_in_place, best);
            colour[n] = 2;
            stack.pop_back();
        }
    }
    return shape;
}

} // namespace brook::registry::json
