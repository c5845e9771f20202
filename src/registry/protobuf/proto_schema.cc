// proto_schema: the canonical and normalized texts, computed once at parse time.
#include "registry/protobuf/proto_schema.h"

#include <algorithm>
#include <sstream>

namespace brook::registry::protobuf {
namespace {

// DebugString() writes the imports as one run of `import ...;` lines; sorting that run is
// Confluent's "imports sorted" normalization.
std::string sort_imports(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    auto is_import = [](const std::string& l) { return l.rfind("import ", 0) == 0; };
    auto first = std::find_if(lines.begin(), lines.end(), is_import);
    auto last = std::find_if_not(first, lines.end(), is_import);
    std::sort(first, last);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

} // namespace

proto_schema::proto_schema(std::unique_ptr<google::protobuf::DescriptorPool> pool,
                           const google::protobuf::FileDescriptor* file, std::map<std::string, file_origin> origins)
    : pool_(std::move(pool)), file_(file), origins_(std::move(origins)) {
    canonical_ = file_->DebugString();
    normalized_ = sort_imports(canonical_);
}

file_origin proto_schema::origin(const google::protobuf::FileDescriptor& f) const {
    if (&f == file_) return {};
    auto it = origins_.find(f.name());
    return it == origins_.end() ? file_origin{} : it->second;
}

const proto_schema* as_proto(const parsed_schema& s) { return dynamic_cast<const proto_schema*>(&s); }

} // namespace brook::registry::protobuf
