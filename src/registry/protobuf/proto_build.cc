// Turning a schema text and its references into a built FileDescriptor: .proto source through
// libprotoc's Parser (errors with line:column), or base64 of a serialized FileDescriptorProto
// (confluent-kafka-python's form); imports resolved depth-first from the references, then from
// the well-known files compiled into libprotobuf.
#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <optional>
#include <set>

#include "registry/protobuf/proto_schema.h"

namespace brook::registry::protobuf {
namespace {

namespace gp = google::protobuf;

// Standard base64 (RFC 4648, with padding), as Python's base64.standard_b64encode writes it.
// Line breaks are skipped; anything else outside the alphabet means "not base64".
std::optional<std::string> decode_base64(std::string_view in) {
    static constexpr auto table = [] {
        std::array<int8_t, 256> t{};
        t.fill(-1);
        const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(abc[i])] = static_cast<int8_t>(i);
        return t;
    }();
    std::string out;
    uint32_t acc = 0;
    int bits = 0, symbols = 0, padding = 0;
    for (char c : in) {
        if (c == '\n' || c == '\r') continue;
        if (c == '=') {
            ++padding;
            ++symbols;
            continue;
        }
        int v = table[static_cast<unsigned char>(c)];
        if (v < 0 || padding > 0) return std::nullopt; // a symbol after padding is not base64
        ++symbols;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    if (symbols == 0 || symbols % 4 != 0 || padding > 2) return std::nullopt;
    return out;
}

std::string default_json_name(const std::string& name) { // protobuf's ToJsonName
    std::string out;
    bool upper = false;
    for (char c : name) {
        if (c == '_') {
            upper = true;
        } else if (upper) {
            out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
            upper = false;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// What differs between a descriptor protoc serialized (python's serialized_pb, a descriptor
// set) and the same file parsed from text, without meaning anything: source info, json_name
// spelled out at its default.
void strip_noise(gp::DescriptorProto& m) {
    for (auto& f : *m.mutable_field())
        if (f.has_json_name() && f.json_name() == default_json_name(f.name())) f.clear_json_name();
    for (auto& f : *m.mutable_extension())
        if (f.has_json_name() && f.json_name() == default_json_name(f.name())) f.clear_json_name();
    for (auto& n : *m.mutable_nested_type()) strip_noise(n);
}
void strip_noise(gp::FileDescriptorProto& f) {
    f.clear_source_code_info();
    for (auto& m : *f.mutable_message_type()) strip_noise(m);
    for (auto& x : *f.mutable_extension())
        if (x.has_json_name() && x.json_name() == default_json_name(x.name())) x.clear_json_name();
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += "; ";
        out += p;
    }
    return out;
}

struct text_errors final : gp::io::ErrorCollector {
    std::vector<std::string> lines;
    void AddError(int line, gp::io::ColumnNumber column, const std::string& message) override {
        lines.push_back(std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message);
    }
};

struct build_errors final : gp::DescriptorPool::ErrorCollector {
    const gp::compiler::SourceLocationTable* table = nullptr; // set for files parsed from text
    std::vector<std::string> lines;
    void AddError(const std::string&, const std::string& element, const gp::Message* descriptor,
                  ErrorLocation location, const std::string& message) override {
        int line = 0, column = 0;
        if (table != nullptr && table->Find(descriptor, location, &line, &column))
            lines.push_back(std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message);
        else
            lines.push_back((element.empty() ? std::string() : element + ": ") + message);
    }
};

// One file on its way into the pool. The location table's keys point into `proto`, so the two
// live and die together.
struct source_file {
    gp::FileDescriptorProto proto;
    std::unique_ptr<gp::compiler::SourceLocationTable> locations;
};

// libprotoc's Parser recurses once per nested block and has no limit of its own: a text of
// 100,000 nested messages overflows the stack. The tokenizer is iterative, so a pass over the
// tokens rejects deep nesting first (the pool refuses messages nested deeper than 32 anyway).
constexpr int max_nesting = 100;

std::optional<std::string> too_deep(std::string_view text) {
    gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    text_errors ignored; // the parser proper reports them
    gp::io::Tokenizer tokenizer(&input, &ignored);
    int depth = 0;
    while (tokenizer.Next()) {
        const auto& t = tokenizer.current();
        if (t.type != gp::io::Tokenizer::TYPE_SYMBOL) continue;
        if (t.text == "{" || t.text == "(" || t.text == "[" || t.text == "<") {
            if (++depth > max_nesting)
                return std::to_string(t.line + 1) + ":" + std::to_string(t.column + 1) + ": nested deeper than " +
                       std::to_string(max_nesting) + " levels";
        } else if (t.text == "}" || t.text == ")" || t.text == "]" || t.text == ">") {
            if (depth > 0) --depth;
        }
    }
    return std::nullopt;
}

// `label` prefixes errors of references ("reference \"a.proto\": "), empty for the schema itself.
std::optional<source_file> load(std::string_view text, const std::string& name, const std::string& label,
                                std::string& error) {
    source_file f;
    if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) { // libprotobuf's streams count in int
        error = label + "larger than 2 GiB";
        return std::nullopt;
    }
    if (auto bytes = decode_base64(text)) {
        gp::LogSilencer quiet; // bad UTF-8 in a string field is logged as well as refused
        if (f.proto.ParseFromString(*bytes)) {
            f.proto.set_name(name);
            strip_noise(f.proto);
            return f;
        }
    }
    if (auto deep = too_deep(text)) {
        error = label + *deep;
        return std::nullopt;
    }
    f.locations = std::make_unique<gp::compiler::SourceLocationTable>();
    gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    text_errors errors;
    gp::io::Tokenizer tokenizer(&input, &errors);
    gp::compiler::Parser parser;
    parser.RecordErrorsTo(&errors);
    parser.RecordSourceLocationsTo(f.locations.get());
    bool ok = false;
    {
        // The parser logs "No syntax specified" to stderr; proto2 by default is what we want.
        // (A LogSilencer silences every level but FATAL, process-wide, while it lives.)
        gp::LogSilencer quiet;
        ok = parser.Parse(&tokenizer, &f.proto);
    }
    if (!ok || !errors.lines.empty()) {
        error = label + (errors.lines.empty() ? std::string("not a valid .proto file") : join(errors.lines));
        return std::nullopt;
    }
    f.proto.set_name(name);
    strip_noise(f.proto);
    return f;
}

// A name no import can mean: references never collide with the schema itself.
const std::string main_name = "<schema>";

bool is_well_known(const std::string& name) {
    const auto& all = well_known_files();
    return std::find(all.begin(), all.end(), name) != all.end();
}

class pool_builder {
public:
    pool_builder(gp::DescriptorPool& pool, const std::vector<resolved_reference>& refs) : pool_(pool) {
        for (const auto& r : refs) refs_.emplace(r.name, &r); // a repeated name: the first wins
    }

    std::map<std::string, file_origin>& origins() { return origins_; }
    const std::string& error() const { return error_; }

    const gp::FileDescriptor* build_main(source_file& f) {
        if (!imports(f.proto)) return nullptr;
        return build(f, "");
    }

private:
    bool imports(const gp::FileDescriptorProto& proto) {
        for (const auto& dep : proto.dependency())
            if (ensure(dep, proto.name()) == nullptr) return false;
        return true;
    }

    const gp::FileDescriptor* build(source_file& f, const std::string& label) {
        build_errors errors;
        errors.table = f.locations.get();
        const gp::FileDescriptor* file = nullptr;
        {
            gp::LogSilencer quiet; // the collector has every error; nothing for stderr
            file = pool_.BuildFileCollectingErrors(f.proto, &errors);
        }
        if (file == nullptr) error_ = label + (errors.lines.empty() ? "the file does not build" : join(errors.lines));
        return file;
    }

    const gp::FileDescriptor* ensure(const std::string& name, const std::string& importer) {
        if (const auto* done = pool_.FindFileByName(name)) return done;
        if (!in_progress_.insert(name).second) {
            error_ = "import cycle through \"" + name + "\"";
            return nullptr;
        }
        const gp::FileDescriptor* file = nullptr;
        if (auto it = refs_.find(name); it != refs_.end()) {
            std::string label = "reference \"" + name + "\": ";
            auto f = load(it->second->schema, name, label, error_);
            if (f && imports(f->proto) && (file = build(*f, label)) != nullptr)
                origins_[name] = {file_origin::source::reference, it->second->subject, it->second->version};
        } else if (is_well_known(name)) {
            source_file f;
            gp::DescriptorPool::generated_pool()->FindFileByName(name)->CopyTo(&f.proto);
            if (imports(f.proto) && (file = build(f, "")) != nullptr) origins_[name] = {file_origin::source::builtin, "", 0};
        } else {
            error_ = "import \"" + name + "\" (in " + (importer == main_name ? std::string("the schema") : "\"" + importer + "\"") +
                     ") is not among the schema's references; register it with a reference named \"" + name + "\"";
        }
        in_progress_.erase(name);
        return file;
    }

    gp::DescriptorPool& pool_;
    std::map<std::string, const resolved_reference*> refs_;
    std::map<std::string, file_origin> origins_;
    std::set<std::string> in_progress_;
    std::string error_;
};

} // namespace

const std::vector<std::string>& well_known_files() {
    static const std::vector<std::string> files = [] {
        std::vector<std::string> out;
        for (const char* n : {"any", "api", "descriptor", "duration", "empty", "field_mask", "source_context", "struct",
                              "timestamp", "type", "wrappers"}) {
            std::string name = std::string("google/protobuf/") + n + ".proto";
            // Only what this libprotobuf actually carries compiled in.
            if (gp::DescriptorPool::generated_pool()->FindFileByName(name) != nullptr) out.push_back(name);
        }
        return out;
    }();
    return files;
}

proto_parse_outcome parse_proto_schema(std::string_view text, const std::vector<resolved_reference>& refs) {
    proto_parse_outcome out;
    auto main = load(text, main_name, "", out.error);
    if (!main) return out;
    auto pool = std::make_unique<gp::DescriptorPool>();
    pool_builder builder(*pool, refs);
    const gp::FileDescriptor* file = builder.build_main(*main);
    if (file == nullptr) {
        out.error = builder.error();
        return out;
    }
    out.schema = std::make_shared<const proto_schema>(std::move(pool), file, std::move(builder.origins()));
    return out;
}

} // namespace brook::registry::protobuf
