#pragma once
// Shared helpers for storage tests: a temp directory that cleans up and a batch maker.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "records/batch_header.h"
#include "records/record.h"

namespace brook::storage::test {

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("brook-storage-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

struct batch {
    std::vector<uint8_t> bytes;
    records::batch_header header;
};

struct batch_spec {
    int records = 1;
    int64_t ts = 1000;
    size_t value_size = 10;
    int64_t pid = -1;
    int16_t epoch = -1;
    int32_t seq = -1;
};

inline batch make_batch(batch_spec s) {
    records::batch_builder b;
    if (s.pid >= 0) b.producer(producer_id(s.pid), producer_epoch(s.epoch), sequence(s.seq));
    std::string value(s.value_size, 'v');
    for (int i = 0; i < s.records; ++i) b.add("k", value, timestamp_ms(s.ts));
    batch out;
    out.bytes = b.build();
    out.header = records::read_batch_header(out.bytes);
    return out;
}

inline batch make_batch(int records = 1, int64_t ts = 1000, size_t value_size = 10) {
    return make_batch(batch_spec{records, ts, value_size});
}

inline std::vector<uint8_t> read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Splits bytes returned by read() into batch headers.
inline std::vector<records::batch_header> headers_of(const std::vector<uint8_t>& data) {
    std::vector<records::batch_header> out;
    size_t pos = 0;
    while (data.size() - pos >= records::batch_header_size) {
        auto h = records::read_batch_header(std::span<const uint8_t>(data).subspan(pos));
        out.push_back(h);
        pos += h.size_bytes();
    }
    return out;
}

} // namespace brook::storage::test
