// Sentences for incompatible differences. The reader is the schema that must read (Confluent's
// "update"), the writer the schema the data was written with ("original"); each sentence names
// the property (from the path) and the keyword, so a user knows what to change.
#include "registry/json/diff.h"

#include <vector>

namespace brook::registry::json {
namespace {

std::vector<std::string> segments(std::string_view path) {
    std::vector<std::string> out;
    if (path.rfind("#/", 0) == 0) path.remove_prefix(2);
    std::size_t pos = 0;
    while (pos < path.size()) {
        auto next = path.find('/', pos);
        out.emplace_back(path.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
        if (next == std::string_view::npos) break;
        pos = next + 1;
    }
    return out;
}

// "property 'a.b'" for #/properties/a/properties/b, "the root schema" for #/, "item 2 of
// property 'tags'" for #/properties/tags/items/2.
std::string where_of(const std::vector<std::string>& segs, std::size_t count) {
    std::string property;
    std::string item;
    for (std::size_t i = 0; i + 1 < count + 1 && i < count; ++i) {
        if ((segs[i] == "properties" || segs[i] == "required" || segs[i] == "dependencies") && i + 1 < count) {
            property += (property.empty() ? "" : ".") + segs[i + 1];
            item.clear();
            ++i;
        } else if (segs[i] == "items" && i + 1 < count && !segs[i + 1].empty() &&
                   segs[i + 1].find_first_not_of("0123456789") == std::string::npos) {
            item = "item " + segs[i + 1];
            ++i;
        } else if (segs[i] == "items") {
            item = "the items";
        }
    }
    if (property.empty() && item.empty()) return "the root schema";
    if (property.empty()) return item + " of the root array";
    if (item.empty()) return "property '" + property + "'";
    return item + " of property '" + property + "'";
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

} // namespace

std::string describe(const difference& d) {
    const auto segs = segments(d.path);
    const std::string& t = d.type;
    const std::string at = " (at '" + d.path + "')";
    const std::string here = where_of(segs, segs.size());
    // For keyword differences the last segment is the keyword itself.
    const std::string keyword = segs.empty() ? "" : segs.back();
    const std::string owner = where_of(segs, segs.empty() ? 0 : segs.size() - 1);

    if (t == "TYPE_CHANGED") return "The type of " + here + " differs between the reader's and the writer's schema" + at;
    if (t == "TYPE_NARROWED") return "The reader's schema narrows the type of " + here + " (number to integer): a writer's non-integer number would be rejected" + at;
    if (t == "SCHEMA_ADDED") return "The reader's schema adds a schema at " + here + " where the writer's schema had none" + at;
    if (t == "COMBINED_TYPE_CHANGED") return "The reader's schema changes how the subschemas of " + here + " combine (allOf/anyOf/oneOf)" + at;
    if (t == "COMBINED_TYPE_SUBSCHEMAS_CHANGED") return "The subschemas of " + here + " in the reader's schema do not each match one of the writer's" + at;
    if (t == "PRODUCT_TYPE_EXTENDED") return "The reader's schema adds subschemas to the allOf of " + here + ": data must now match more" + at;
    if (t == "SUM_TYPE_NARROWED") return "The reader's schema removes alternatives from the anyOf/oneOf of " + here + at;
    if (t == "NOT_TYPE_EXTENDED") return "The reader's schema forbids more values in the 'not' of " + here + at;
    if (t == "ENUM_ARRAY_NARROWED") return "The reader's schema removes values from the enum of " + owner + at;
    if (t == "ENUM_ARRAY_CHANGED") return "The reader's schema changes the allowed values (enum/const) of " + owner + at;
    if (t == "REQUIRED_ATTRIBUTE_ADDED") return "The reader's schema makes " + here + " required without a default; the writer's schema had it optional" + at;
    if (t == "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
        return "The reader's schema adds " + here + ", but the writer's schema has an open content model and may have written any value under that name" + at;
    if (t == "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
        return "The reader's schema adds " + here + " as required without a default; the writer's schema never wrote it" + at;
    if (t == "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
        return "The reader's schema removes " + here + " but does not allow additional properties, so the writer's data with it is rejected" + at;
    if (t == "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        return "The reader's schema adds " + here + " with a schema that does not accept what the writer's patternProperties/additionalProperties allowed under that name" + at;
    if (t == "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        return "The reader's schema removes " + here + " and its patternProperties/additionalProperties do not accept the writer's values for it" + at;
    if (t == "ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
        return "The reader's schema adds a schema for " + here + ", but the writer's schema allowed any additional item there" + at;
    if (t == "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
        return "The reader's schema removes " + here + " but does not allow additional items, so the writer's arrays are rejected" + at;
    if (t == "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" || t == "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
        return "The schema of " + here + " in the reader's schema does not accept what the writer's additionalItems allowed" + at;
    if (t == "ADDITIONAL_PROPERTIES_REMOVED") return "The reader's schema forbids additional properties of " + owner + ", which the writer's schema allowed" + at;
    if (t == "ADDITIONAL_PROPERTIES_NARROWED") return "The reader's schema restricts the additional properties of " + owner + " to a schema; the writer's allowed any" + at;
    if (t == "ADDITIONAL_ITEMS_REMOVED") return "The reader's schema forbids additional items of " + owner + ", which the writer's schema allowed" + at;
    if (t == "ADDITIONAL_ITEMS_NARROWED") return "The reader's schema restricts the additional items of " + owner + " to a schema; the writer's allowed any" + at;
    if (t == "DEPENDENCY_ARRAY_ADDED" || t == "DEPENDENCY_SCHEMA_ADDED")
        return "The reader's schema adds a dependency for " + here + " that the writer's data need not satisfy" + at;
    if (t == "DEPENDENCY_ARRAY_EXTENDED") return "The reader's schema makes " + here + " depend on more properties than the writer's" + at;
    if (t == "DEPENDENCY_ARRAY_CHANGED") return "The reader's schema changes the properties " + here + " depends on" + at;
    if (t == "UNIQUE_ITEMS_ADDED") return "The reader's schema requires unique items in " + owner + "; the writer's did not" + at;
    if (t == "PATTERN_CHANGED") return "The reader's schema changes the pattern of " + owner + at;
    if (t == "MULTIPLE_OF_CHANGED") return "The reader's schema changes 'multipleOf' of " + owner + " to a value the writer's is not a multiple of" + at;
    if (ends_with(t, "_ADDED")) return "The reader's schema adds '" + keyword + "' to " + owner + ", which the writer's schema did not constrain" + at;
    if (ends_with(t, "_INCREASED") || t == "MULTIPLE_OF_EXPANDED")
        return "The reader's schema raises '" + keyword + "' of " + owner + " above the writer's value" + at;
    if (ends_with(t, "_DECREASED")) return "The reader's schema lowers '" + keyword + "' of " + owner + " below the writer's value" + at;
    return "The reader's schema differs from the writer's at " + here + " (" + t + ")" + at;
}

} // namespace brook::registry::json
