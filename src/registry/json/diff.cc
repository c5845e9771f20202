// The comparison walks both schema graphs together. Subcontexts decide branches (which
// anyOf member an unchanged schema matches, whether a removed property is covered by a pattern)
// by whether their own differences are all compatible under the policy, so the policy shapes
// the walk, not only the verdict. A pair met again while it is being compared (a recursive
// schema) counts as compatible; finished pairs are memoised, as Confluent's Context does.
#include "registry/json/diff.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <unordered_set>

namespace brook::registry::json {
namespace {

const std::set<std::string_view>& strict_set() {
    static const std::set<std::string_view> s = {
        "ID_CHANGED", "DESCRIPTION_CHANGED", "TITLE_CHANGED", "DEFAULT_CHANGED", "SCHEMA_REMOVED", "TYPE_EXTENDED",
        "MAX_LENGTH_INCREASED", "MAX_LENGTH_REMOVED", "MIN_LENGTH_DECREASED", "MIN_LENGTH_REMOVED", "PATTERN_REMOVED",
        "MAXIMUM_INCREASED", "MAXIMUM_REMOVED", "MINIMUM_DECREASED", "MINIMUM_REMOVED", "EXCLUSIVE_MAXIMUM_INCREASED",
        "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MINIMUM_DECREASED", "EXCLUSIVE_MINIMUM_REMOVED", "MULTIPLE_OF_REDUCED",
        "MULTIPLE_OF_REMOVED", "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "REQUIRED_ATTRIBUTE_REMOVED",
        "DEPENDENCY_ARRAY_NARROWED", "DEPENDENCY_ARRAY_REMOVED", "DEPENDENCY_SCHEMA_REMOVED", "MAX_PROPERTIES_INCREASED",
        "MAX_PROPERTIES_REMOVED", "MIN_PROPERTIES_DECREASED", "MIN_PROPERTIES_REMOVED", "ADDITIONAL_PROPERTIES_ADDED",
        "ADDITIONAL_PROPERTIES_EXTENDED", "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "MAX_ITEMS_INCREASED", "MAX_ITEMS_REMOVED",
        "MIN_ITEMS_DECREASED", "MIN_ITEMS_REMOVED", "UNIQUE_ITEMS_REMOVED", "ADDITIONAL_ITEMS_ADDED",
        "ADDITIONAL_ITEMS_EXTENDED", "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ENUM_ARRAY_EXTENDED", "COMBINED_TYPE_EXTENDED",
        "PRODUCT_TYPE_NARROWED", "SUM_TYPE_EXTENDED", "NOT_TYPE_NARROWED"};
    return s;
}

const std::set<std::string_view>& lenient_extra() {
    static const std::set<std::string_view> s = {
        "ADDITIONAL_PROPERTIES_NARROWED", "ADDITIONAL_PROPERTIES_REMOVED", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"};
    return s;
}

using pair_key = std::pair<const schema_node*, const schema_node*>;

struct shared_state {
    policy pol;
    std::map<pair_key, std::vector<difference>> memo; // differences relative to the pair
    std::set<pair_key> in_progress;
};

class context {
public:
    explicit context(shared_state& s) : s_(s) {}
    context sub() const {
        context c(s_);
        c.path_ = path_;
        return c;
    }
    context fresh() const { return context(s_); }

    void add(std::string_view type) { diffs_.push_back({std::string(type), path_string()}); }
    void add(std::string_view attribute, std::string_view type) {
        path_.emplace_back(attribute);
        add(type);
        path_.pop_back();
    }
    void add_all(const std::vector<difference>& d) { diffs_.insert(diffs_.end(), d.begin(), d.end()); }
    void add_rebased(const std::vector<difference>& relative) {
        const std::string prefix = path_string();
        for (const auto& d : relative) {
            if (path_.empty()) diffs_.push_back(d);
            else diffs_.push_back({d.type, d.path.size() <= 2 ? prefix : prefix + "/" + d.path.substr(2)});
        }
    }
    bool compatible() const {
        for (const auto& d : diffs_) {
            if (!is_compatible(d.type, s_.pol)) return false;
        }
        return true;
    }
    const std::vector<difference>& diffs() const { return diffs_; }
    shared_state& state() { return s_; }

    struct scope {
        context& c;
        scope(context& ctx, std::string segment) : c(ctx) { c.path_.push_back(std::move(segment)); }
        ~scope() { c.path_.pop_back(); }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;
    };

private:
    std::string path_string() const {
        std::string out = "#/";
        for (std::size_t i = 0; i < path_.size(); ++i) {
            if (i > 0) out += '/';
            out += path_[i];
        }
        return out;
    }

    shared_state& s_;
    std::vector<std::string> path_;
    std::vector<difference> diffs_;
};

void compare_nodes(context& ctx, const schema_node* original, const schema_node* update);

// Added / removed / increased / decreased for an optional limit.
void compare_limit(context& ctx, const char* keyword, const std::optional<double>& o, const std::optional<double>& u,
                   std::string_view prefix) {
    if (o == u) return;
    const std::string p(prefix);
    if (!o) ctx.add(keyword, p + "_ADDED");
    else if (!u) ctx.add(keyword, p + "_REMOVED");
    else if (*o < *u) ctx.add(keyword, p + "_INCREASED");
    else if (*o > *u) ctx.add(keyword, p + "_DECREASED");
}

void compare_string(context& ctx, const schema_node& o, const schema_node& u) {
    compare_limit(ctx, "maxLength", o.max_length, u.max_length, "MAX_LENGTH");
    compare_limit(ctx, "minLength", o.min_length, u.min_length, "MIN_LENGTH");
    if (!o.pattern && u.pattern) ctx.add("pattern", "PATTERN_ADDED");
    else if (o.pattern && !u.pattern) ctx.add("pattern", "PATTERN_REMOVED");
    else if (o.pattern && *o.pattern != *u.pattern) ctx.add("pattern", "PATTERN_CHANGED");
}

bool is_multiple(double of, double base) {
    if (base == 0) return false;
    const double q = of / base;
    return std::fabs(q - std::round(q)) < 1e-9;
}

void compare_number(context& ctx, const schema_node& o, const schema_node& u) {
    compare_limit(ctx, "maximum", o.maximum, u.maximum, "MAXIMUM");
    compare_limit(ctx, "minimum", o.minimum, u.minimum, "MINIMUM");
    compare_limit(ctx, "exclusiveMaximum", o.exclusive_maximum, u.exclusive_maximum, "EXCLUSIVE_MAXIMUM");
    compare_limit(ctx, "exclusiveMinimum", o.exclusive_minimum, u.exclusive_minimum, "EXCLUSIVE_MINIMUM");
    if (o.multiple_of != u.multiple_of) {
        if (!o.multiple_of) ctx.add("multipleOf", "MULTIPLE_OF_ADDED");
        else if (!u.multiple_of) ctx.add("multipleOf", "MULTIPLE_OF_REMOVED");
        else if (is_multiple(*u.multiple_of, *o.multiple_of)) ctx.add("multipleOf", "MULTIPLE_OF_EXPANDED");
        else if (is_multiple(*o.multiple_of, *u.multiple_of)) ctx.add("multipleOf", "MULTIPLE_OF_REDUCED");
        else ctx.add("multipleOf", "MULTIPLE_OF_CHANGED");
    }
    if (o.requires_integer != u.requires_integer) ctx.add(o.requires_integer ? "TYPE_EXTENDED" : "TYPE_NARROWED");
}

void compare_enum(context& ctx, const schema_node& o, const schema_node& u) {
    auto contains_all = [](const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
        for (const auto& v : b) {
            if (std::find(a.begin(), a.end(), v) == a.end()) return false;
        }
        return true;
    };
    const bool u_has_o = contains_all(u.values, o.values);
    const bool o_has_u = contains_all(o.values, u.values);
    if (u_has_o && o_has_u) return;
    if (u_has_o) ctx.add("enum", "ENUM_ARRAY_EXTENDED");
    else if (o_has_u) ctx.add("enum", "ENUM_ARRAY_NARROWED");
    else ctx.add("enum", "ENUM_ARRAY_CHANGED");
}

// Maximum bipartite matching (Kuhn's augmenting paths); sizes are a schema's anyOf members.
std::vector<int> max_matching(const std::vector<std::vector<int>>& edges, std::size_t right_size) {
    std::vector<int> match_right(right_size, -1);
    for (std::size_t l = 0; l < edges.size(); ++l) {
        std::vector<bool> seen(right_size, false);
        std::function<bool(int)> augment = [&](int left) {
            for (int r : edges[left]) {
                if (seen[r]) continue;
                seen[r] = true;
                if (match_right[r] < 0 || augment(match_right[r])) {
                    match_right[r] = left;
                    return true;
                }
            }
            return false;
        };
        augment(static_cast<int>(l));
    }
    return match_right;
}

std::vector<const schema_node*> distinct(const std::vector<const schema_node*>& subs) {
    std::vector<const schema_node*> out;
    for (const auto* s : subs) {
        bool dup = false;
        for (const auto* seen : out) dup = dup || seen->identity == s->identity;
        if (!dup) out.push_back(s);
    }
    return out;
}

void compare_combined(context& ctx, const schema_node& o, const schema_node& u) {
    // The criterion: allOf/oneOf -> anyOf extends; a singleton may become oneOf or allOf.
    if (o.crit != u.crit) {
        bool extended = u.crit == criterion::any_of || (u.crit == criterion::one_of && o.subschemas.size() == 1) ||
                        (u.crit == criterion::all_of && o.subschemas.size() == 1 && u.subschemas.size() == 1);
        if (!extended) {
            ctx.add("COMBINED_TYPE_CHANGED");
            return;
        }
        ctx.add("COMBINED_TYPE_EXTENDED");
    }
    const auto os = distinct(o.subschemas);
    const auto us = distinct(u.subschemas);
    if (os.size() < us.size()) ctx.add(u.crit == criterion::all_of ? "PRODUCT_TYPE_EXTENDED" : "SUM_TYPE_EXTENDED");
    else if (os.size() > us.size()) ctx.add(u.crit == criterion::all_of ? "PRODUCT_TYPE_NARROWED" : "SUM_TYPE_NARROWED");

    std::vector<std::vector<int>> edges(os.size());
    std::map<std::pair<int, int>, std::vector<difference>> edge_diffs;
    for (std::size_t i = 0; i < os.size(); ++i) {
        context::scope s(ctx, std::string(criterion_name(o.crit)) + "/" + std::to_string(i));
        for (std::size_t j = 0; j < us.size(); ++j) {
            context sub = ctx.sub();
            compare_nodes(sub, os[i], us[j]);
            if (sub.compatible()) {
                edges[i].push_back(static_cast<int>(j));
                edge_diffs[{static_cast<int>(i), static_cast<int>(j)}] = sub.diffs();
            }
        }
    }
    // Among equally large matchings prefer pairs that differ least (a reordered allOf pairs each
    // member with its identical twin rather than with a compatible look-alike).
    for (std::size_t i = 0; i < edges.size(); ++i) {
        std::stable_sort(edges[i].begin(), edges[i].end(), [&](int a, int b) {
            return edge_diffs[{static_cast<int>(i), a}].size() < edge_diffs[{static_cast<int>(i), b}].size();
        });
    }
    const std::vector<int> match_right = max_matching(edges, us.size());
    std::size_t matched = 0;
    for (std::size_t j = 0; j < match_right.size(); ++j) {
        if (match_right[j] < 0) continue;
        ++matched;
        ctx.add_all(edge_diffs[{match_right[j], static_cast<int>(j)}]);
    }
    if (matched < std::min(os.size(), us.size())) ctx.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED");
}

void compare_not(context& ctx, const schema_node& o, const schema_node& u) {
    context::scope s(ctx, "not");
    context sub = ctx.sub();
    compare_nodes(sub, u.negated, o.negated); // reversed: what the update forbids must shrink
    ctx.add(sub.compatible() ? "NOT_TYPE_NARROWED" : "NOT_TYPE_EXTENDED");
}

bool open_content(const schema_node& n) {
    return n.pattern_properties.empty() && n.additional_properties == nullptr && n.permits_additional_properties;
}

const schema_node* partial_content(const schema_node& n, const std::string& property) {
    // std::regex recurses per character (json_schema.h, max_regex_input): a longer name is
    // taken as matching no pattern.
    for (const auto& [pattern, schema] : n.pattern_properties) {
        if (property.size() > max_regex_input) break;
        try {
            if (std::regex_search(property, std::regex(pattern, std::regex::ECMAScript))) return schema;
        } catch (const std::regex_error&) {
            continue; // valijson accepted the schema; a pattern std::regex cannot read matches nothing here
        }
    }
    return n.additional_properties;
}

void compare_required(context& ctx, const schema_node& o, const schema_node& u) {
    context::scope s(ctx, "required");
    for (const auto& [name, schema] : o.properties) {
        auto in_update = u.properties.find(name);
        if (in_update == u.properties.end()) continue;
        context::scope p(ctx, name);
        const bool was = o.required.contains(name);
        const bool is = u.required.contains(name);
        if (was && !is) ctx.add("REQUIRED_ATTRIBUTE_REMOVED");
        else if (!was && is) ctx.add(in_update->second->has_default() ? "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED" : "REQUIRED_ATTRIBUTE_ADDED");
    }
}

void compare_properties(context& ctx, const schema_node& o, const schema_node& u) {
    context::scope s(ctx, "properties");
    std::set<std::string> names;
    for (const auto& [name, _] : o.properties) names.insert(name);
    for (const auto& [name, _] : u.properties) names.insert(name);
    for (const auto& name : names) {
        context::scope p(ctx, name);
        auto oi = o.properties.find(name);
        auto ui = u.properties.find(name);
        if (ui == u.properties.end()) {
            // Removed: only the update's content model matters (can it still take the property?).
            if (open_content(u)) {
                ctx.add("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL");
            } else if (const schema_node* partial = partial_content(u, name)) {
                context sub = ctx.sub();
                compare_nodes(sub, oi->second, partial);
                ctx.add_all(sub.diffs());
                ctx.add(sub.compatible() ? "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                                         : "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
            } else {
                ctx.add(oi->second->kind == node_kind::false_schema ? "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
                                                                    : "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL");
            }
        } else if (oi == o.properties.end()) {
            // Added: only the original's content model matters (could it have written anything there?).
            if (open_content(o)) {
                ctx.add(ui->second->kind == node_kind::empty ? "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                                                             : "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
            } else {
                if (const schema_node* partial = partial_content(o, name)) {
                    context sub = ctx.sub();
                    compare_nodes(sub, partial, ui->second);
                    ctx.add_all(sub.diffs());
                    ctx.add(sub.compatible() ? "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                                             : "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
                }
                if (u.required.contains(name)) {
                    ctx.add(ui->second->has_default() ? "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
                                                      : "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
                } else {
                    ctx.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
                }
            }
        } else {
            compare_nodes(ctx, oi->second, ui->second);
        }
    }
}

void compare_dependencies(context& ctx, const schema_node& o, const schema_node& u) {
    context::scope s(ctx, "dependencies");
    std::set<std::string> names;
    for (const auto& [name, _] : o.property_dependencies) names.insert(name);
    for (const auto& [name, _] : u.property_dependencies) names.insert(name);
    for (const auto& name : names) {
        context::scope p(ctx, name);
        auto oi = o.property_dependencies.find(name);
        auto ui = u.property_dependencies.find(name);
        if (ui == u.property_dependencies.end()) ctx.add("DEPENDENCY_ARRAY_REMOVED");
        else if (oi == o.property_dependencies.end()) ctx.add("DEPENDENCY_ARRAY_ADDED");
        else if (oi->second != ui->second) {
            auto includes = [](const std::set<std::string>& a, const std::set<std::string>& b) {
                return std::includes(a.begin(), a.end(), b.begin(), b.end());
            };
            if (includes(ui->second, oi->second)) ctx.add("DEPENDENCY_ARRAY_EXTENDED");
            else if (includes(oi->second, ui->second)) ctx.add("DEPENDENCY_ARRAY_NARROWED");
            else ctx.add("DEPENDENCY_ARRAY_CHANGED");
        }
    }
    names.clear();
    for (const auto& [name, _] : o.schema_dependencies) names.insert(name);
    for (const auto& [name, _] : u.schema_dependencies) names.insert(name);
    for (const auto& name : names) {
        context::scope p(ctx, name);
        auto oi = o.schema_dependencies.find(name);
        auto ui = u.schema_dependencies.find(name);
        if (ui == u.schema_dependencies.end()) ctx.add("DEPENDENCY_SCHEMA_REMOVED");
        else if (oi == o.schema_dependencies.end()) ctx.add("DEPENDENCY_SCHEMA_ADDED");
        else compare_nodes(ctx, oi->second, ui->second);
    }
}

void compare_additional_properties(context& ctx, const schema_node& o, const schema_node& u) {
    context::scope s(ctx, "additionalProperties");
    if (o.permits_additional_properties != u.permits_additional_properties) {
        ctx.add(u.permits_additional_properties ? "ADDITIONAL_PROPERTIES_ADDED" : "ADDITIONAL_PROPERTIES_REMOVED");
    } else if (!o.additional_properties && u.additional_properties) {
        ctx.add("ADDITIONAL_PROPERTIES_NARROWED");
    } else if (o.additional_properties && !u.additional_properties) {
        ctx.add("ADDITIONAL_PROPERTIES_EXTENDED");
    } else {
        compare_nodes(ctx, o.additional_properties, u.additional_properties);
    }
}

void compare_object(context& ctx, const schema_node& o, const schema_node& u) {
    compare_required(ctx, o, u);
    compare_properties(ctx, o, u);
    compare_dependencies(ctx, o, u);
    compare_additional_properties(ctx, o, u);
    compare_limit(ctx, "maxProperties", o.max_properties, u.max_properties, "MAX_PROPERTIES");
    compare_limit(ctx, "minProperties", o.min_properties, u.min_properties, "MIN_PROPERTIES");
}

bool open_items(const schema_node& n) { return n.permits_additional_items && n.additional_items == nullptr; }

void compare_array(context& ctx, const schema_node& o, const schema_node& u) {
    {
        context::scope s(ctx, "items");
        compare_nodes(ctx, o.all_items, u.all_items);
    }
    const std::size_t common = std::min(o.item_list.size(), u.item_list.size());
    for (std::size_t i = 0; i < common; ++i) {
        context::scope s(ctx, "items/" + std::to_string(i));
        compare_nodes(ctx, o.item_list[i], u.item_list[i]);
    }
    for (std::size_t i = common; i < o.item_list.size(); ++i) {
        context::scope s(ctx, "items/" + std::to_string(i));
        if (open_items(u)) {
            ctx.add("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL");
        } else if (u.additional_items) {
            context sub = ctx.sub();
            compare_nodes(sub, o.item_list[i], u.additional_items);
            ctx.add_all(sub.diffs());
            ctx.add(sub.compatible() ? "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                                     : "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
        } else {
            ctx.add(o.item_list[i]->kind == node_kind::false_schema ? "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
                                                                    : "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL");
        }
    }
    for (std::size_t i = common; i < u.item_list.size(); ++i) {
        context::scope s(ctx, "items/" + std::to_string(i));
        if (open_items(o)) {
            ctx.add(u.item_list[i]->kind == node_kind::empty ? "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                                                             : "ITEM_ADDED_TO_OPEN_CONTENT_MODEL");
        } else if (o.additional_items) {
            context sub = ctx.sub();
            compare_nodes(sub, o.additional_items, u.item_list[i]);
            ctx.add_all(sub.diffs());
            ctx.add(sub.compatible() ? "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                                     : "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
        } else {
            ctx.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL");
        }
    }
    {
        context::scope s(ctx, "additionalItems");
        if (o.permits_additional_items != u.permits_additional_items) {
            ctx.add(o.permits_additional_items ? "ADDITIONAL_ITEMS_REMOVED" : "ADDITIONAL_ITEMS_ADDED");
        } else if (!o.additional_items && u.additional_items) {
            ctx.add("ADDITIONAL_ITEMS_NARROWED");
        } else if (o.additional_items && !u.additional_items) {
            ctx.add("ADDITIONAL_ITEMS_EXTENDED");
        } else {
            compare_nodes(ctx, o.additional_items, u.additional_items);
        }
    }
    compare_limit(ctx, "maxItems", o.max_items, u.max_items, "MAX_ITEMS");
    compare_limit(ctx, "minItems", o.min_items, u.min_items, "MIN_ITEMS");
    if (o.unique_items != u.unique_items) ctx.add("uniqueItems", o.unique_items ? "UNIQUE_ITEMS_REMOVED" : "UNIQUE_ITEMS_ADDED");
}

bool same_class(const schema_node& a, const schema_node& b) { return a.kind == b.kind; }

// Everything but the two-nulls/one-null cases, for one pair, into `ctx` at its current path.
void compare_pair(context& ctx, const schema_node& original, const schema_node& update) {
    const bool o_combined = original.kind == node_kind::combined;
    const bool u_combined = update.kind == node_kind::combined;
    if (!o_combined && u_combined) {
        if (update.subschemas.size() == 1) {
            context sub = ctx.sub();
            compare_nodes(sub, &original, update.subschemas.front());
            if (sub.compatible()) {
                ctx.add_all(sub.diffs());
                return;
            }
        } else if (update.crit != criterion::all_of) {
            // The update is a sum type: fine if one member reads what the original wrote.
            for (const auto* member : update.subschemas) {
                context sub = ctx.sub();
                compare_nodes(sub, &original, member);
                if (sub.compatible()) {
                    ctx.add_all(sub.diffs());
                    ctx.add("SUM_TYPE_EXTENDED");
                    return;
                }
            }
        }
    } else if (o_combined && !u_combined) {
        if (original.subschemas.size() == 1) {
            context sub = ctx.sub();
            compare_nodes(sub, original.subschemas.front(), &update);
            if (sub.compatible()) {
                ctx.add_all(sub.diffs());
                return;
            }
        } else if (original.crit == criterion::all_of) {
            // The original was a product: fine if the update reads one of its factors.
            for (const auto* member : original.subschemas) {
                context sub = ctx.sub();
                compare_nodes(sub, member, &update);
                if (sub.compatible()) {
                    ctx.add_all(sub.diffs());
                    ctx.add("PRODUCT_TYPE_NARROWED");
                    return;
                }
            }
        }
    }
    if (!same_class(original, update)) {
        const bool bytes = original.connect_type == "bytes" && update.connect_type == "bytes";
        if (original.kind != node_kind::false_schema && update.kind != node_kind::empty && !bytes) ctx.add("TYPE_CHANGED");
        return;
    }
    if (original.id != update.id) ctx.add("ID_CHANGED");
    if (original.title != update.title) ctx.add("TITLE_CHANGED");
    if (original.description != update.description) ctx.add("DESCRIPTION_CHANGED");
    if (original.default_value != update.default_value) ctx.add("DEFAULT_CHANGED");
    switch (original.kind) {
    case node_kind::string: compare_string(ctx, original, update); break;
    case node_kind::number: compare_number(ctx, original, update); break;
    case node_kind::enumeration: compare_enum(ctx, original, update); break;
    case node_kind::constant:
        if (original.constant != update.constant) ctx.add("const", "ENUM_ARRAY_CHANGED");
        break;
    case node_kind::combined: compare_combined(ctx, original, update); break;
    case node_kind::negation: compare_not(ctx, original, update); break;
    case node_kind::object: compare_object(ctx, original, update); break;
    case node_kind::array: compare_array(ctx, original, update); break;
    default: break;
    }
}

void compare_nodes(context& ctx, const schema_node* original, const schema_node* update) {
    if (!original && !update) return;
    if (!original) {
        ctx.add("SCHEMA_ADDED");
        return;
    }
    if (!update) {
        ctx.add("SCHEMA_REMOVED");
        return;
    }
    shared_state& s = ctx.state();
    const pair_key key{original, update};
    if (auto it = s.memo.find(key); it != s.memo.end()) {
        ctx.add_rebased(it->second);
        return;
    }
    if (!s.in_progress.insert(key).second) return; // a recursive schema met itself: assume compatible
    context fresh = ctx.fresh();
    compare_pair(fresh, *original, *update);
    s.in_progress.erase(key);
    s.memo[key] = fresh.diffs();
    ctx.add_rebased(fresh.diffs());
}

} // namespace

bool is_compatible(std::string_view type, policy p) {
    return strict_set().contains(type) || (p == policy::lenient && lenient_extra().contains(type));
}

std::vector<difference> compare(const schema_node* original, const schema_node* update, policy p) {
    shared_state state{p, {}, {}};
    context ctx(state);
    compare_nodes(ctx, original, update);
    return ctx.diffs();
}

} // namespace brook::registry::json
