// Confluent's Protobuf diff over built descriptors. Follows SchemaDiff / MessageSchemaDiff /
// FieldSchemaDiff / OneOfDiff / EnumSchemaDiff rule for rule (README.md has the table); where
// Confluent works on wire's source elements, the equivalent descriptor facts are used:
// fields inside a real oneof are the oneof's, not the message's; map entry messages are not
// messages of their own; proto3 fields without a keyword have no label.
#include "registry/protobuf/proto_diff.h"

#include <google/protobuf/descriptor.pb.h>

#include <map>
#include <optional>
#include <set>

namespace brook::registry::protobuf {
namespace {

namespace gp = google::protobuf;

enum class label { optional, required, repeated };
enum class kind { scalar, map, message };
enum class scalar_kind { general_number, signed_number, string_or_bytes, fixed32, fixed64, float_, double_ };

// Confluent reads labels as written: none for proto3 fields without `optional` and for oneof
// members, so a change from or to "no label" is not compared.
std::optional<label> label_of(const gp::FieldDescriptor& f) {
    if (f.is_required()) return label::required;
    if (f.is_repeated()) return label::repeated;
    if (f.real_containing_oneof() != nullptr) return std::nullopt;
    if (f.has_optional_keyword()) return label::optional;
    return std::nullopt;
}

bool is_map_entry(const gp::Descriptor* d) { return d != nullptr && d->options().map_entry(); }

kind kind_of(const gp::FieldDescriptor& f) {
    if (f.cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) return kind::scalar; // enums too
    return is_map_entry(f.message_type()) ? kind::map : kind::message;
}

// The wire-compatible groups of https://protobuf.dev/programming-guides/proto3/#updating.
scalar_kind scalar_kind_of(const gp::FieldDescriptor& f) {
    using T = gp::FieldDescriptor;
    switch (f.type()) {
    case T::TYPE_SINT32:
    case T::TYPE_SINT64: return scalar_kind::signed_number;
    case T::TYPE_STRING:
    case T::TYPE_BYTES: return scalar_kind::string_or_bytes;
    case T::TYPE_FIXED32:
    case T::TYPE_SFIXED32: return scalar_kind::fixed32;
    case T::TYPE_FIXED64:
    case T::TYPE_SFIXED64: return scalar_kind::fixed64;
    case T::TYPE_FLOAT: return scalar_kind::float_;
    case T::TYPE_DOUBLE: return scalar_kind::double_;
    default: return scalar_kind::general_number; // int32/64, uint32/64, bool, enum
    }
}

// "int32", "string", ".pkg.Msg", "map<string, .pkg.V>" — how a field's type reads in .proto.
std::string type_text(const gp::FieldDescriptor& f) {
    if (kind_of(f) == kind::map) {
        const auto* e = f.message_type();
        return "map<" + type_text(*e->map_key()) + ", " + type_text(*e->map_value()) + ">";
    }
    if (f.message_type() != nullptr) return "." + f.message_type()->full_name();
    if (f.enum_type() != nullptr) return "." + f.enum_type()->full_name();
    return f.type_name();
}

std::string label_text(std::optional<label> l) {
    if (!l) return "no label";
    switch (*l) {
    case label::optional: return "optional";
    case label::required: return "required";
    case label::repeated: return "repeated";
    }
    return "no label";
}

std::string local_name(const gp::Descriptor& d) {
    const std::string& pkg = d.file()->package();
    if (!pkg.empty() && d.full_name().rfind(pkg + ".", 0) == 0) return d.full_name().substr(pkg.size() + 1);
    return d.full_name();
}

std::string field_text(const gp::FieldDescriptor& f) {
    return "'" + f.name() + "' (number " + std::to_string(f.number()) + ")";
}

constexpr int max_reference_depth = 64;

class differ {
public:
    differ(const proto_schema& original, const proto_schema& update) : orig_(original), upd_(update) {}

    std::vector<difference> run() {
        const auto& o = orig_.file();
        const auto& u = upd_.file();
        if (o.package() != u.package())
            add(diff_type::PACKAGE_CHANGED, "the package is '" + o.package() + "' in the writer schema and '" +
                                                u.package() + "' in the reader schema");
        compare_types(top_messages(o), top_messages(u), top_enums(o), top_enums(u));
        return std::move(out_.items);
    }

private:
    using messages = std::vector<const gp::Descriptor*>;
    using enums = std::vector<const gp::EnumDescriptor*>;

    static messages top_messages(const gp::FileDescriptor& f) {
        messages m;
        for (int i = 0; i < f.message_type_count(); ++i) m.push_back(f.message_type(i));
        return m;
    }
    static enums top_enums(const gp::FileDescriptor& f) {
        enums e;
        for (int i = 0; i < f.enum_type_count(); ++i) e.push_back(f.enum_type(i));
        return e;
    }
    static messages nested_messages(const gp::Descriptor& d) {
        messages m;
        for (int i = 0; i < d.nested_type_count(); ++i)
            if (!is_map_entry(d.nested_type(i))) m.push_back(d.nested_type(i));
        return m;
    }
    static enums nested_enums(const gp::Descriptor& d) {
        enums e;
        for (int i = 0; i < d.enum_type_count(); ++i) e.push_back(d.enum_type(i));
        return e;
    }

    // Scopes: `path_` is Confluent's "#/A/B/3"; `where_` the dotted names people read.
    struct scope {
        differ& d;
        scope(differ& self, std::string path, std::string where) : d(self) {
            d.path_.push_back(std::move(path));
            d.where_.push_back(std::move(where));
        }
        ~scope() {
            d.path_.pop_back();
            d.where_.pop_back();
        }
    };

    static std::string join(const std::vector<std::string>& parts, const char* sep) {
        std::string s;
        for (const auto& p : parts) {
            if (p.empty()) continue;
            if (!s.empty()) s += sep;
            s += p;
        }
        return s;
    }

    void add(diff_type t, std::string description) {
        out_.push({t, "#/" + join(path_, "/"), join(where_, "."), std::move(description)});
    }
    std::string here() const { return join(where_, "."); }

    void compare_types(const messages& om, const messages& um, const enums& oe, const enums& ue) {
        std::map<std::string, std::pair<const gp::Descriptor*, int>> o_by_name, u_by_name;
        for (size_t i = 0; i < om.size(); ++i) o_by_name[om[i]->name()] = {om[i], static_cast<int>(i)};
        for (size_t i = 0; i < um.size(); ++i) u_by_name[um[i]->name()] = {um[i], static_cast<int>(i)};
        std::set<std::string> names;
        for (const auto& [n, _] : o_by_name) names.insert(n);
        for (const auto& [n, _] : u_by_name) names.insert(n);
        for (const auto& n : names) {
            scope s(*this, n, n);
            auto o = o_by_name.find(n);
            auto u = u_by_name.find(n);
            if (u == u_by_name.end()) {
                add(diff_type::MESSAGE_REMOVED, "message " + here() + " of the writer schema is missing in the reader schema");
            } else if (o == o_by_name.end()) {
                add(diff_type::MESSAGE_ADDED, "message " + here() + " is new in the reader schema");
            } else {
                compare_message(*o->second.first, *u->second.first);
                // Compatible: a record's message indexes are resolved against its own schema id.
                if (o->second.second != u->second.second)
                    add(diff_type::MESSAGE_MOVED, "message " + here() + " moved from index " +
                                                      std::to_string(o->second.second) + " to " +
                                                      std::to_string(u->second.second));
            }
        }
        std::map<std::string, const gp::EnumDescriptor*> o_enums, u_enums;
        for (const auto* e : oe) o_enums[e->name()] = e;
        for (const auto* e : ue) u_enums[e->name()] = e;
        std::set<std::string> enum_names;
        for (const auto& [n, _] : o_enums) enum_names.insert(n);
        for (const auto& [n, _] : u_enums) enum_names.insert(n);
        for (const auto& n : enum_names) {
            scope s(*this, n, n);
            auto o = o_enums.find(n);
            auto u = u_enums.find(n);
            if (u == u_enums.end())
                add(diff_type::ENUM_REMOVED, "enum " + here() + " of the writer schema is missing in the reader schema");
            else if (o == o_enums.end())
                add(diff_type::ENUM_ADDED, "enum " + here() + " is new in the reader schema");
            else
                compare_enum(*o->second, *u->second);
        }
    }

    void compare_enum(const gp::EnumDescriptor& o, const gp::EnumDescriptor& u) {
        std::map<int, const gp::EnumValueDescriptor*> ov, uv; // an alias: the last name wins, as in Confluent
        for (int i = 0; i < o.value_count(); ++i) ov[o.value(i)->number()] = o.value(i);
        for (int i = 0; i < u.value_count(); ++i) uv[u.value(i)->number()] = u.value(i);
        std::set<int> numbers;
        for (const auto& [n, _] : ov) numbers.insert(n);
        for (const auto& [n, _] : uv) numbers.insert(n);
        for (int n : numbers) {
            auto a = ov.find(n);
            auto b = uv.find(n);
            scope s(*this, std::to_string(n), b != uv.end() ? b->second->name() : a->second->name());
            if (b == uv.end())
                add(diff_type::ENUM_CONST_REMOVED, "enum constant " + a->second->name() + " = " + std::to_string(n) +
                                                       " of " + o.full_name() + " is missing in the reader schema");
            else if (a == ov.end())
                add(diff_type::ENUM_CONST_ADDED, "enum constant " + b->second->name() + " = " + std::to_string(n) +
                                                     " is new in " + u.full_name());
            else if (a->second->name() != b->second->name())
                add(diff_type::ENUM_CONST_CHANGED, "enum constant " + std::to_string(n) + " of " + u.full_name() +
                                                       " is " + a->second->name() + " in the writer schema and " +
                                                       b->second->name() + " in the reader schema");
        }
    }

    void compare_message(const gp::Descriptor& o, const gp::Descriptor& u) {
        // A message reached again through its own fields (recursive types) is compared once.
        if (active_.insert(&o).second) {
            compare_fields(o, u);
            active_.erase(&o);
        }
        compare_types(nested_messages(o), nested_messages(u), nested_enums(o), nested_enums(u));
    }

    void compare_fields(const gp::Descriptor& o, const gp::Descriptor& u) {
        std::map<int, const gp::FieldDescriptor*> o_by_tag, u_by_tag, o_oneof_by_tag;
        for (int i = 0; i < o.field_count(); ++i)
            if (o.field(i)->real_containing_oneof() == nullptr) o_by_tag[o.field(i)->number()] = o.field(i);
        for (int i = 0; i < u.field_count(); ++i)
            if (u.field(i)->real_containing_oneof() == nullptr) u_by_tag[u.field(i)->number()] = u.field(i);
        std::map<std::string, const gp::OneofDescriptor*> o_oneofs, u_oneofs;
        for (int i = 0; i < o.real_oneof_decl_count(); ++i) {
            const auto* one = o.oneof_decl(i);
            o_oneofs[one->name()] = one;
            for (int j = 0; j < one->field_count(); ++j) o_oneof_by_tag[one->field(j)->number()] = one->field(j);
        }
        for (int i = 0; i < u.real_oneof_decl_count(); ++i) {
            const auto* one = u.oneof_decl(i);
            u_oneofs[one->name()] = one;
            scope s(*this, one->name(), one->name());
            int moved = 0, existing = 0;
            for (int j = 0; j < one->field_count(); ++j) {
                int tag = one->field(j)->number();
                // A plain field that moved into the oneof is not reported as removed.
                if (o_by_tag.erase(tag) > 0)
                    ++moved;
                else if (o_oneof_by_tag.count(tag) > 0)
                    ++existing;
            }
            if (moved > 1)
                add(diff_type::MULTIPLE_FIELDS_MOVED_TO_ONEOF,
                    std::to_string(moved) + " fields that are outside a oneof in the writer schema are in oneof " +
                        here() + " of the reader schema");
            else if (moved == 1 && existing > 0)
                add(diff_type::FIELD_MOVED_TO_EXISTING_ONEOF,
                    "a field outside a oneof in the writer schema moved into oneof " + here() +
                        ", which already existed in the writer schema");
        }
        std::set<std::string> oneof_names;
        for (const auto& [n, _] : o_oneofs) oneof_names.insert(n);
        for (const auto& [n, _] : u_oneofs) oneof_names.insert(n);
        for (const auto& n : oneof_names) {
            scope s(*this, n, n);
            auto a = o_oneofs.find(n);
            auto b = u_oneofs.find(n);
            if (b == u_oneofs.end())
                add(diff_type::ONEOF_REMOVED, "oneof " + here() + " of the writer schema is missing in the reader schema");
            else if (a == o_oneofs.end())
                add(diff_type::ONEOF_ADDED, "oneof " + here() + " is new in the reader schema");
            else
                compare_oneof(*a->second, *b->second);
        }
        std::set<int> tags;
        for (const auto& [t, _] : o_by_tag) tags.insert(t);
        for (const auto& [t, _] : u_by_tag) tags.insert(t);
        for (int t : tags) {
            auto a = o_by_tag.find(t);
            auto b = u_by_tag.find(t);
            const gp::FieldDescriptor* named = b != u_by_tag.end() ? b->second : a->second;
            scope s(*this, std::to_string(t), named->name());
            if (b == u_by_tag.end()) {
                bool req = a->second->is_required();
                add(req ? diff_type::REQUIRED_FIELD_REMOVED : diff_type::FIELD_REMOVED,
                    std::string(req ? "required field " : "field ") + field_text(*a->second) + " of message " +
                        o.full_name() + " is missing in the reader schema");
            } else if (a == o_by_tag.end()) {
                bool req = b->second->is_required();
                add(req ? diff_type::REQUIRED_FIELD_ADDED : diff_type::FIELD_ADDED,
                    std::string(req ? "required field " : "field ") + field_text(*b->second) + " of message " +
                        u.full_name() + " is new in the reader schema" +
                        (req ? "; records of the writer schema do not have it" : ""));
            } else {
                compare_field(*a->second, *b->second);
            }
        }
    }

    void compare_oneof(const gp::OneofDescriptor& o, const gp::OneofDescriptor& u) {
        std::map<int, const gp::FieldDescriptor*> ob, ub;
        for (int i = 0; i < o.field_count(); ++i) ob[o.field(i)->number()] = o.field(i);
        for (int i = 0; i < u.field_count(); ++i) ub[u.field(i)->number()] = u.field(i);
        std::set<int> tags;
        for (const auto& [t, _] : ob) tags.insert(t);
        for (const auto& [t, _] : ub) tags.insert(t);
        for (int t : tags) {
            auto a = ob.find(t);
            auto b = ub.find(t);
            scope s(*this, std::to_string(t), (b != ub.end() ? b->second : a->second)->name());
            if (b == ub.end())
                add(diff_type::ONEOF_FIELD_REMOVED, "field " + field_text(*a->second) + " of oneof " + o.full_name() +
                                                        " is missing in the reader schema");
            else if (a == ob.end())
                add(diff_type::ONEOF_FIELD_ADDED,
                    "field " + field_text(*b->second) + " is new in oneof " + u.full_name() + " of the reader schema");
            else
                compare_field(*a->second, *b->second);
        }
    }

    void compare_field(const gp::FieldDescriptor& o, const gp::FieldDescriptor& u) {
        if (o.name() != u.name())
            add(diff_type::FIELD_NAME_CHANGED, "field number " + std::to_string(o.number()) + " of " +
                                                   u.containing_type()->full_name() + " is '" + o.name() +
                                                   "' in the writer schema and '" + u.name() + "' in the reader schema");
        compare_labels_and_types(label_of(o), label_of(u), o, u);
    }

    void compare_labels_and_types(std::optional<label> ol, std::optional<label> ul, const gp::FieldDescriptor& o,
                                  const gp::FieldDescriptor& u) {
        kind ok = kind_of(o), uk = kind_of(u);
        auto both = [&] {
            return "field " + field_text(u) + " of " + u.containing_type()->full_name() + " is " + type_text(o) +
                   " in the writer schema and " + type_text(u) + " in the reader schema";
        };
        if (ok != uk) {
            add(diff_type::FIELD_KIND_CHANGED, both());
            return;
        }
        switch (ok) {
        case kind::scalar: {
            scalar_kind os = scalar_kind_of(o), us = scalar_kind_of(u);
            if (os != us) {
                add(diff_type::FIELD_SCALAR_KIND_CHANGED, both() + ", which do not share a wire encoding");
            } else if (ol && ul && *ol != *ul) {
                std::string what = "field " + field_text(u) + " of " + u.containing_type()->full_name() + " is " +
                                   label_text(ol) + " in the writer schema and " + label_text(ul) + " in the reader schema";
                add(os == scalar_kind::string_or_bytes ? diff_type::FIELD_STRING_OR_BYTES_LABEL_CHANGED
                                                       : diff_type::FIELD_NUMERIC_LABEL_CHANGED,
                    what);
            }
            break;
        }
        case kind::message: compare_message_types(o, u, both); break;
        case kind::map: {
            const auto* oe = o.message_type();
            const auto* ue = u.message_type();
            compare_labels_and_types(std::nullopt, std::nullopt, *oe->map_key(), *ue->map_key());
            compare_labels_and_types(std::nullopt, std::nullopt, *oe->map_value(), *ue->map_value());
            break;
        }
        }
    }

    template <class Describe>
    void compare_message_types(const gp::FieldDescriptor& o, const gp::FieldDescriptor& u, Describe both) {
        const gp::Descriptor& od = *o.message_type();
        const gp::Descriptor& ud = *u.message_type();
        std::string name = local_name(od);
        if (name != local_name(ud)) {
            add(diff_type::FIELD_NAMED_TYPE_CHANGED, both());
            return;
        }
        file_origin oo = orig_.origin(*od.file());
        file_origin uo = upd_.origin(*ud.file());
        using src = file_origin::source;
        // Types of the schemas' own files are compared where they are declared; a type from the
        // same subject/version on both sides is the same type.
        if (oo.from == src::self && uo.from == src::self) return;
        if (oo.from == src::reference && uo.from == src::reference && oo.subject == uo.subject &&
            oo.version == uo.version)
            return;
        // Each level is a chain of distinct referenced messages; past the limit the stack, not
        // the schema, would decide. Refusing is the safe answer.
        if (depth_ >= max_reference_depth) {
            add(diff_type::FIELD_NAMED_TYPE_CHANGED, "field " + field_text(u) + " of " + u.containing_type()->full_name() +
                                                         ": referenced message types nest deeper than " +
                                                         std::to_string(max_reference_depth) + " levels; not compared");
            return;
        }
        // Confluent compares the referenced message in a sub-context rooted at its local name
        // and, if anything there is incompatible, also flags this field. The sub-result does not
        // depend on where the pair is reached from, so each pair is compared once: without that,
        // a message with two fields of a type with two fields of a type ... costs 2^depth.
        auto key = std::pair{&od, &ud};
        // A pair already being compared further up (recursive types) is covered there.
        if (in_progress_.count(key) > 0) return;
        auto cached = memo_.find(key);
        if (cached == memo_.end()) {
            in_progress_.insert(key);
            std::vector<std::string> saved_path = std::move(path_), saved_where = std::move(where_);
            diff_list saved_out = std::move(out_);
            path_.clear();
            for (size_t from = 0, dot; from <= name.size(); from = dot + 1) { // "outer.Home" -> #/outer/Home
                dot = name.find('.', from);
                if (dot == std::string::npos) dot = name.size();
                path_.push_back(name.substr(from, dot - from));
            }
            where_ = {name};
            out_ = {};
            ++depth_;
            compare_message(od, ud);
            --depth_;
            in_progress_.erase(key);
            cached = memo_.emplace(key, std::move(out_.items)).first;
            path_ = std::move(saved_path);
            where_ = std::move(saved_where);
            out_ = std::move(saved_out);
        }
        bool compatible = true;
        for (const auto& d : cached->second) {
            compatible = compatible && is_compatible(d.type);
            out_.push(d);
        }
        if (!compatible)
            add(diff_type::FIELD_NAMED_TYPE_CHANGED, "field " + field_text(u) + " of " + u.containing_type()->full_name() +
                                                         " has type " + name +
                                                         ", which changed incompatibly between the referenced schemas");
    }

    const proto_schema& orig_;
    const proto_schema& upd_;
    std::vector<std::string> path_, where_;
    std::set<const gp::Descriptor*> active_;
    int depth_ = 0; // referenced-message comparisons in progress
    // Differences with the same type and path are the same difference (Confluent's equals);
    // a referenced type reached through several fields reports once.
    struct diff_list {
        std::vector<difference> items;
        std::set<std::pair<diff_type, std::string>> keys;
        void push(difference d) {
            if (keys.emplace(d.type, d.full_path).second) items.push_back(std::move(d));
        }
    };
    diff_list out_;
    std::map<std::pair<const gp::Descriptor*, const gp::Descriptor*>, std::vector<difference>> memo_;
    std::set<std::pair<const gp::Descriptor*, const gp::Descriptor*>> in_progress_;
};

} // namespace

std::string_view name(diff_type t) {
    switch (t) {
#define BROOK_DIFF_NAME(x) \
    case diff_type::x: return #x;
        BROOK_DIFF_NAME(PACKAGE_CHANGED)
        BROOK_DIFF_NAME(MESSAGE_ADDED)
        BROOK_DIFF_NAME(MESSAGE_REMOVED)
        BROOK_DIFF_NAME(MESSAGE_MOVED)
        BROOK_DIFF_NAME(ENUM_ADDED)
        BROOK_DIFF_NAME(ENUM_REMOVED)
        BROOK_DIFF_NAME(ENUM_CONST_ADDED)
        BROOK_DIFF_NAME(ENUM_CONST_CHANGED)
        BROOK_DIFF_NAME(ENUM_CONST_REMOVED)
        BROOK_DIFF_NAME(FIELD_ADDED)
        BROOK_DIFF_NAME(FIELD_REMOVED)
        BROOK_DIFF_NAME(FIELD_NAME_CHANGED)
        BROOK_DIFF_NAME(FIELD_KIND_CHANGED)
        BROOK_DIFF_NAME(FIELD_SCALAR_KIND_CHANGED)
        BROOK_DIFF_NAME(FIELD_NAMED_TYPE_CHANGED)
        BROOK_DIFF_NAME(FIELD_NUMERIC_LABEL_CHANGED)
        BROOK_DIFF_NAME(FIELD_STRING_OR_BYTES_LABEL_CHANGED)
        BROOK_DIFF_NAME(REQUIRED_FIELD_ADDED)
        BROOK_DIFF_NAME(REQUIRED_FIELD_REMOVED)
        BROOK_DIFF_NAME(ONEOF_ADDED)
        BROOK_DIFF_NAME(ONEOF_REMOVED)
        BROOK_DIFF_NAME(ONEOF_FIELD_ADDED)
        BROOK_DIFF_NAME(ONEOF_FIELD_REMOVED)
        BROOK_DIFF_NAME(MULTIPLE_FIELDS_MOVED_TO_ONEOF)
        BROOK_DIFF_NAME(FIELD_MOVED_TO_EXISTING_ONEOF)
#undef BROOK_DIFF_NAME
    }
    return "UNKNOWN";
}

bool is_compatible(diff_type t) {
    switch (t) {
    case diff_type::PACKAGE_CHANGED:
    case diff_type::MESSAGE_ADDED:
    case diff_type::MESSAGE_MOVED:
    case diff_type::ENUM_ADDED:
    case diff_type::ENUM_REMOVED:
    case diff_type::ENUM_CONST_ADDED:
    case diff_type::ENUM_CONST_CHANGED:
    case diff_type::ENUM_CONST_REMOVED:
    case diff_type::FIELD_ADDED:
    case diff_type::FIELD_REMOVED:
    case diff_type::FIELD_NAME_CHANGED:
    case diff_type::FIELD_STRING_OR_BYTES_LABEL_CHANGED:
    case diff_type::ONEOF_ADDED:
    case diff_type::ONEOF_REMOVED:
    case diff_type::ONEOF_FIELD_ADDED: return true;
    default: return false;
    }
}

std::vector<difference> diff(const proto_schema& original, const proto_schema& update) {
    return differ(original, update).run();
}

std::vector<incompatibility> incompatibilities(const proto_schema& reader, const proto_schema& writer) {
    std::vector<incompatibility> out;
    for (auto& d : diff(writer, reader))
        if (!is_compatible(d.type))
            out.push_back({std::string(name(d.type)), std::move(d.where), std::move(d.description), std::move(d.full_path)});
    return out;
}

} // namespace brook::registry::protobuf
