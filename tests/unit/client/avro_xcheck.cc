// A small driver for tests/integration/test_avro_python.py, which checks Brook's Avro bytes
// against python3-avro (a codec we did not write) in both directions:
//   brook_avro_xcheck encode SCHEMA.avsc DATUM.json   -> the binary encoding on stdout
//   brook_avro_xcheck decode SCHEMA.avsc DATUM.bin    -> the datum as JSON on stdout
// Exit 1 with the codec's message on stderr when the schema, datum or bytes are refused.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "client/avro_codec.h"
#include "client/avro_json.h"
#include "client/avro_schema.h"

namespace avro = brook::client::avro;

namespace {
std::string slurp(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: brook_avro_xcheck encode|decode SCHEMA FILE\n";
        return 2;
    }
    auto s = avro::schema::parse(slurp(argv[2]));
    if (!s) {
        std::cerr << s.err().message << "\n";
        return 1;
    }
    const std::string mode = argv[1];
    if (mode == "encode") {
        auto j = nlohmann::json::parse(slurp(argv[3]), nullptr, false);
        if (j.is_discarded()) {
            std::cerr << "datum file is not JSON\n";
            return 1;
        }
        auto v = avro::from_json(s->root(), j);
        if (!v) {
            std::cerr << v.err().message << "\n";
            return 1;
        }
        auto b = avro::encode(*s, *v);
        if (!b) {
            std::cerr << b.err().message << "\n";
            return 1;
        }
        std::cout << *b;
        return 0;
    }
    if (mode == "decode") {
        auto v = avro::decode(*s, slurp(argv[3]));
        if (!v) {
            std::cerr << v.err().message << "\n";
            return 1;
        }
        std::cout << avro::to_json(s->root(), *v).dump() << "\n";
        return 0;
    }
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
}
