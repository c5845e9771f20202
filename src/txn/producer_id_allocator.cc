#include "txn/producer_id_allocator.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace brook::txn {
namespace {

bool write_durably(const std::filesystem::path& file, const std::string& text) {
    auto tmp = file;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return false;
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) return false;
    int dfd = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return false;
    ok = ::fsync(dfd) == 0;
    ::close(dfd);
    return ok;
}

} // namespace

producer_id_allocator::producer_id_allocator(std::filesystem::path meta_dir) : file_(meta_dir / "producer_ids") {
    std::filesystem::create_directories(meta_dir);
    if (!std::filesystem::exists(file_)) return;
    std::ifstream in(file_);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    int64_t v = -1;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < 0)
        throw std::runtime_error("corrupt producer id reservation file " + file_.string() + ": '" + text + "'");
    next_ = reserved_end_ = v;
}

bool producer_id_allocator::reserve_through(int64_t end) {
    if (!write_durably(file_, std::to_string(end) + "\n")) return false;
    reserved_end_ = end;
    return true;
}

result<producer_id> producer_id_allocator::next() {
    if (next_ >= reserved_end_ && !reserve_through(next_ + block_size)) return error_code::kafka_storage_error;
    return producer_id(next_++);
}

} // namespace brook::txn
