#include "registry/avro/compatibility.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

namespace brook::registry::avro {

namespace {

// Java merges results by concatenating lists, and memoised results are merged again wherever
// their pair recurs, so the lists can grow quadratically (deep chains) or exponentially (a
// type used twice per level). Here a list is an immutable tree shared between results:
// merging is O(1), and only the first max_reported entries are ever materialised.
struct list_node;
using list_ptr = std::shared_ptr<const list_node>;
struct list_node {
    std::optional<avro_incompatibility> item; // a leaf
    list_ptr left, right;                     // or the concatenation of two non-empty lists
};

struct result {
    bool compatible = true;
    list_ptr list;

    result& merge(const result& other) {
        if (other.list) list = list ? std::make_shared<const list_node>(list_node{std::nullopt, list, other.list}) : other.list;
        compatible = compatible && other.compatible;
        return *this;
    }
};

std::vector<avro_incompatibility> materialise(const list_ptr& list, size_t limit) {
    std::vector<avro_incompatibility> out;
    std::vector<const list_node*> stack;
    if (list) stack.push_back(list.get());
    while (!stack.empty() && out.size() < limit) {
        const list_node* n = stack.back();
        stack.pop_back();
        if (n->item) {
            out.push_back(*n->item);
        } else {
            stack.push_back(n->right.get());
            stack.push_back(n->left.get());
        }
    }
    return out;
}

// "record ns.R", "int", "array": how the descriptions name a type.
std::string describe(const node& n) {
    if (is_named(n.type)) return std::string(type_name(n.type)) + " '" + n.full_name() + "'";
    return "'" + std::string(type_name(n.type)) + "'";
}

// How deep the checker may recurse (pairs of nested types on the way down). Named types
// referenced by name can chain far deeper than the text nests; past this the check stops
// rather than exhaust the thread's stack.
constexpr int max_check_depth = 1000;

// The recursion runs get -> calculate -> check_record_fields -> get; everything else is kept
// out of line so that its temporaries (message strings, symbol sets) do not widen the frames
// the recursion stacks up.
class checker {
public:
    using location_t = std::vector<std::string>; // Java's Deque<String> of location tokens

    result get(const node& reader, const node& writer) {
        location_t location;
        return get("/", reader, writer, location);
    }

    // Set when the check had to stop (Java throws for an ambiguous field alias; Brook also
    // stops past max_check_depth): then this is the only answer.
    std::optional<avro_incompatibility> aborted;

private:
    result get(const char* token, const node& reader, const node& writer, location_t& location) {
        if (aborted) return {};
        if (depth_ >= max_check_depth) {
            stop_too_deep(location);
            return {};
        }
        ++depth_;
        location.push_back(token);
        auto key = std::make_pair(&reader, &writer);
        result r;
        auto it = memo_.find(key);
        if (it != memo_.end()) {
            if (it->second) r = *it->second; // else: in progress, compatible until proven otherwise
        } else {
            memo_[key] = std::nullopt;
            r = calculate(reader, writer, location);
            memo_[key] = r;
        }
        location.pop_back();
        --depth_;
        return r;
    }

    [[gnu::noinline]] static std::string pointer(const location_t& location) {
        std::string s = "/";
        bool first = true;
        for (size_t i = 1; i < location.size(); ++i) {
            if (!first) s += '/';
            first = false;
            for (char c : location[i]) {
                if (c == '~') s += "~0";
                else if (c == '/') s += "~1";
                else s += c;
            }
        }
        return s;
    }

    [[gnu::noinline]] std::string field_prefix() const {
        if (fields_.empty()) return {};
        std::string path;
        for (const auto& f : fields_) path += (path.empty() ? "" : ".") + f;
        return "Field '" + path + "': ";
    }

    [[gnu::noinline]] result incompatible(std::string type, std::string message, std::string description, const location_t& location) {
        result r;
        r.compatible = false;
        r.list = std::make_shared<const list_node>(list_node{
            avro_incompatibility{std::move(type), pointer(location), std::move(message), field_prefix() + description}, nullptr,
            nullptr});
        return r;
    }

    [[gnu::noinline]] result type_mismatch(const node& reader, const node& writer, const location_t& location) {
        return incompatible("TYPE_MISMATCH",
                            "reader type: " + std::string(type_upper(reader.type)) +
                                " not compatible with writer type: " + std::string(type_upper(writer.type)),
                            "the reader's type " + describe(reader) + " cannot read the writer's type " + describe(writer) +
                                " (path '" + pointer(location) + "')",
                            location);
    }

    [[gnu::noinline]] result check_names(const node& reader, const node& writer, location_t& location) {
        result r;
        location.push_back("name");
        bool equal = reader.name == writer.name ||
                     std::find(reader.aliases.begin(), reader.aliases.end(), writer.full_name()) != reader.aliases.end();
        if (!equal)
            r = incompatible("NAME_MISMATCH", "expected: " + writer.full_name(),
                             "the reader's " + describe(reader) + " does not match the writer's " + describe(writer) +
                                 " (path '" + pointer(location) + "'): keep the name or add the alias '" +
                                 writer.full_name() + "' to the reader's type",
                             location);
        location.pop_back();
        return r;
    }

    [[gnu::noinline]] result check_fixed_size(const node& reader, const node& writer, location_t& location) {
        result r;
        location.push_back("size");
        if (reader.size != writer.size)
            r = incompatible("FIXED_SIZE_MISMATCH",
                             "expected: " + std::to_string(writer.size) + ", found: " + std::to_string(reader.size),
                             "the reader's " + describe(reader) + " has size " + std::to_string(reader.size) +
                                 " but the writer's has size " + std::to_string(writer.size) + " (path '" +
                                 pointer(location) + "')",
                             location);
        location.pop_back();
        return r;
    }

    [[gnu::noinline]] result check_enum_symbols(const node& reader, const node& writer, location_t& location) {
        result r;
        location.push_back("symbols");
        std::set<std::string> missing(writer.symbols.begin(), writer.symbols.end()); // a TreeSet in Java: sorted
        for (const auto& s : reader.symbols) missing.erase(s);
        if (!missing.empty()) {
            bool has_default = reader.enum_default &&
                               std::find(reader.symbols.begin(), reader.symbols.end(), *reader.enum_default) != reader.symbols.end();
            if (!has_default) {
                std::string list = "[";
                for (const auto& s : missing) list += (list.size() > 1 ? ", " : "") + s;
                list += "]";
                r = incompatible("MISSING_ENUM_SYMBOLS", list,
                                 "the reader's " + describe(reader) + " lacks the writer's symbols " + list + " (path '" +
                                     pointer(location) + "'): add them, or give the reader's enum a default symbol",
                                 location);
            }
        }
        location.pop_back();
        return r;
    }

    // SchemaCompatibility.lookupWriterField: by name, then by each reader alias; more than
    // one match is an error.
    [[gnu::noinline]] const field* lookup_writer_field(const node& writer, const field& reader_field) {
        std::vector<const field*> found;
        if (const field* direct = writer.find_field(reader_field.name)) found.push_back(direct);
        for (const auto& alias : reader_field.aliases)
            if (const field* f = writer.find_field(alias)) found.push_back(f);
        if (found.size() > 1 && !aborted) {
            aborted = avro_incompatibility{"READER_FIELD_MATCHES_MULTIPLE_WRITER_FIELDS",
                              "/",
                              "Reader record field " + reader_field.name + " matches multiple fields in writer record schema " +
                                  writer.full_name(),
                              "The reader's field '" + reader_field.name + "' matches " + std::to_string(found.size()) +
                                  " fields of the writer's record '" + writer.full_name() +
                                  "' by name and aliases: remove the aliases that match more than one field"};
        }
        return found.empty() ? nullptr : found.front();
    }

    [[gnu::noinline]] void stop_too_deep(const location_t& location) {
        aborted = avro_incompatibility{"SCHEMA_TOO_DEEP", pointer(location),
                                       "types nest more than " + std::to_string(max_check_depth) + " levels deep",
                                       "The schemas' types nest more than " + std::to_string(max_check_depth) +
                                           " levels deep, beyond what Brook checks: flatten the schema"};
    }

    [[gnu::noinline]] static void push_index(location_t& location, int i) { location.push_back(std::to_string(i)); }

    [[gnu::noinline]] result missing_default(const node& reader, const field& rf, const location_t& location) {
        return incompatible("READER_FIELD_MISSING_DEFAULT_VALUE", rf.name,
                            "the reader's record '" + reader.full_name() + "' has the field '" + rf.name + "' of type " +
                                describe(*rf.type) + " without a default, and the writer's record has no such field (path '" +
                                pointer(location) + "'): give it a default",
                            location);
    }

    [[gnu::noinline]] result missing_writer_branch(int i, const node& wb, const location_t& location) {
        return incompatible("MISSING_UNION_BRANCH", "reader union lacking writer type: " + std::string(type_upper(wb.type)),
                            "the reader's union has no branch that can read the writer's union branch " + std::to_string(i) +
                                ", " + describe(wb) + " (path '" + pointer(location) + "')",
                            location);
    }

    [[gnu::noinline]] result missing_reader_branch(const node& writer, const location_t& location) {
        return incompatible("MISSING_UNION_BRANCH", "reader union lacking writer type: " + std::string(type_upper(writer.type)),
                            "the reader's union has no branch that can read the writer's type " + describe(writer) +
                                " (path '" + pointer(location) + "')",
                            location);
    }

    [[gnu::noinline]] result check_record_fields(const node& reader, const node& writer, location_t& location) {
        result r;
        location.push_back("fields");
        for (const field& rf : reader.fields) {
            push_index(location, rf.pos);
            fields_.push_back(rf.name);
            const field* wf = lookup_writer_field(writer, rf);
            if (!wf) {
                if (!rf.default_value) {
                    if (rf.type->type == avro_type::enum_ && rf.type->enum_default) {
                        r.merge(get("type", *rf.type, writer, location));
                    } else {
                        r.merge(missing_default(reader, rf, location));
                    }
                }
            } else {
                r.merge(get("type", *rf.type, *wf->type, location));
            }
            fields_.pop_back();
            location.pop_back();
        }
        location.pop_back();
        return r;
    }

    [[gnu::noinline]] result calculate(const node& reader, const node& writer, location_t& location) {
        result r;
        if (reader.type == writer.type) {
            switch (reader.type) {
            case avro_type::array: return r.merge(get("items", *reader.items, *writer.items, location));
            case avro_type::map: return r.merge(get("values", *reader.values, *writer.values, location));
            case avro_type::fixed:
                r.merge(check_names(reader, writer, location));
                return r.merge(check_fixed_size(reader, writer, location));
            case avro_type::enum_:
                r.merge(check_names(reader, writer, location));
                return r.merge(check_enum_symbols(reader, writer, location));
            case avro_type::record:
                r.merge(check_names(reader, writer, location));
                return r.merge(check_record_fields(reader, writer, location));
            case avro_type::union_: {
                int i = 0;
                for (const node* wb : writer.branches) {
                    push_index(location, i);
                    result branch = get(reader, *wb);
                    if (!branch.compatible) r.merge(missing_writer_branch(i, *wb, location));
                    location.pop_back();
                    ++i;
                }
                return r;
            }
            default: return r; // the same primitive
            }
        }
        if (writer.type == avro_type::union_) {
            for (const node* wb : writer.branches) r.merge(get(reader, *wb));
            return r;
        }
        switch (reader.type) {
        case avro_type::long_:
            return writer.type == avro_type::int_ ? r : r.merge(type_mismatch(reader, writer, location));
        case avro_type::float_:
            return writer.type == avro_type::int_ || writer.type == avro_type::long_ ? r
                                                                                      : r.merge(type_mismatch(reader, writer, location));
        case avro_type::double_:
            return writer.type == avro_type::int_ || writer.type == avro_type::long_ || writer.type == avro_type::float_
                       ? r
                       : r.merge(type_mismatch(reader, writer, location));
        case avro_type::bytes:
            return writer.type == avro_type::string ? r : r.merge(type_mismatch(reader, writer, location));
        case avro_type::string:
            return writer.type == avro_type::bytes ? r : r.merge(type_mismatch(reader, writer, location));
        case avro_type::union_: {
            for (const node* rb : reader.branches)
                if (get(*rb, writer).compatible) return r;
            return r.merge(missing_reader_branch(writer, location));
        }
        default: return r.merge(type_mismatch(reader, writer, location));
        }
    }

    struct pair_hash {
        size_t operator()(const std::pair<const node*, const node*>& p) const {
            return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
        }
    };
    // Per (reader, writer) node pair: the result, or nothing while it is being checked.
    std::unordered_map<std::pair<const node*, const node*>, std::optional<result>, pair_hash> memo_;
    std::vector<std::string> fields_; // reader field names on the way down, for descriptions
    int depth_ = 0;
};

} // namespace

std::vector<avro_incompatibility> check_compatibility(const node& reader, const node& writer) {
    checker c;
    result r = c.get(reader, writer);
    if (c.aborted) return {*c.aborted};
    return materialise(r.list, max_reported);
}

} // namespace brook::registry::avro
