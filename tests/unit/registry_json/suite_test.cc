// The official JSON-Schema-Test-Suite (Debian json-schema-test-suite) for the drafts Brook
// serves: every case of tests/draft4, draft6 and draft7 (not optional/) must give the suite's
// verdict, except the cases listed in `excluded` below (and in src/registry/json/README.md) with
// the reason. An excluded case that starts passing fails the test too, so the list stays exact.
// The suite's remote documents (http://localhost:1234/...) are served from its remotes/ folder
// through the parse options' document loader, as the suite's README asks of a runner.
#include "registry/json/json_schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace brook::registry::json {
namespace {

namespace fs = std::filesystem;
const fs::path suite_root = JSON_SCHEMA_TEST_SUITE_DIR;

struct exclusion {
    std::string file;  // "draft7/ref.json"
    std::string group; // the schema's description
    std::string test;  // a test's description, or "*" for the whole group
    std::string reason;
};

// Cases valijson 1.0 (Debian's) gets wrong, with why. Keep in step with README.md.
const std::vector<exclusion> excluded = {
#include "suite_exclusions.inc"
};

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return nlohmann::json::parse(buffer.str());
}

std::optional<nlohmann::json> load_remote(const std::string& uri) {
    const std::string prefix = "http://localhost:1234/";
    if (uri.rfind(prefix, 0) != 0) return std::nullopt;
    const fs::path p = suite_root / "remotes" / uri.substr(prefix.size());
    if (!fs::is_regular_file(p)) return std::nullopt;
    return read_json(p);
}

const exclusion* find_exclusion(const std::string& file, const std::string& group, const std::string& test) {
    for (const auto& e : excluded) {
        if (e.file == file && e.group == group && (e.test == "*" || e.test == test)) return &e;
    }
    return nullptr;
}

struct tally {
    int passed = 0;
    int excluded = 0;
    std::vector<std::string> failures;
};

// Files of optional/ that pass whole; the rest of optional/ is not run (README.md says why).
const std::set<std::string> optional_included = {
#include "suite_optional.inc"
};

void run_draft(const std::string& dir, draft d, tally& t) {
    parse_options opts;
    opts.default_draft = d;
    opts.extra_documents = load_remote;
    std::set<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(suite_root / "tests" / dir)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
        const std::string rel = fs::relative(entry.path(), suite_root / "tests").string();
        if (rel.find("/optional/") != std::string::npos && !optional_included.contains(rel) &&
            std::getenv("BROOK_SUITE_ALL_OPTIONAL") == nullptr) {
            continue;
        }
        files.insert(entry.path());
    }
    ASSERT_FALSE(files.empty()) << "no test files in " << (suite_root / "tests" / dir);
    for (const auto& path : files) {
        const std::string file = fs::relative(path, suite_root / "tests").string();
        for (const auto& group : read_json(path)) {
            const std::string gname = group["description"].get<std::string>();
            auto parsed = parse_schema(group["schema"].dump(), {}, opts);
            for (const auto& test : group["tests"]) {
                const std::string tname = test["description"].get<std::string>();
                const bool expect_valid = test["valid"].get<bool>();
                std::string why;
                if (!parsed.schema) {
                    why = "schema refused: " + parsed.error;
                } else {
                    auto errors = validate(*parsed.schema, test["data"]);
                    if (errors.empty() != expect_valid) {
                        why = expect_valid ? "rejected a valid document: " + errors.front().path + " " + errors.front().message
                                           : "accepted an invalid document";
                    }
                }
                const std::string id = file + " | " + gname + " | " + tname;
                if (const exclusion* ex = find_exclusion(file, gname, tname)) {
                    if (why.empty()) t.failures.push_back(id + ": passes now, remove its exclusion (" + ex->reason + ")");
                    else ++t.excluded;
                    continue;
                }
                if (why.empty()) ++t.passed;
                else t.failures.push_back(id + ": " + why);
            }
        }
    }
}

void run_and_check(const std::string& dir, draft d, int at_least) {
    tally t;
    run_draft(dir, d, t);
    for (const auto& f : t.failures) ADD_FAILURE() << f;
    EXPECT_GE(t.passed, at_least) << "fewer suite cases ran than the suite holds";
    std::cout << dir << ": " << t.passed << " passed, " << t.excluded << " excluded, " << t.failures.size()
              << " failed\n";
}

TEST(json_schema_test_suite, draft4) { run_and_check("draft4", draft::draft4, 320); }
TEST(json_schema_test_suite, draft6) { run_and_check("draft6", draft::draft6, 404); }
TEST(json_schema_test_suite, draft7) { run_and_check("draft7", draft::draft7, 437); }

} // namespace
} // namespace brook::registry::json
