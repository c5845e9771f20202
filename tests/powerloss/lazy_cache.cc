#include "lazy_cache.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace brook::powerfs {

lazy_cache::~lazy_cache() {
    for (auto& [ino, f] : files_) ::close(f.fd);
}

lazy_cache::file_state* lazy_cache::state(ino_t ino, int fd, int& err) {
    if (auto it = files_.find(ino); it != files_.end()) return &it->second;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        err = -errno;
        return nullptr;
    }
    int own = ::dup(fd);
    if (own < 0) {
        err = -errno;
        return nullptr;
    }
    auto& f = files_[ino];
    f.fd = own;
    f.size = f.backing = static_cast<uint64_t>(st.st_size);
    return &f;
}

lazy_cache::page& lazy_cache::load(file_state& f, uint64_t index, int& err) {
    auto [it, fresh] = f.pages.try_emplace(index);
    if (!fresh) return it->second;
    uint64_t off = index * page_size;
    if (off < f.zero_from) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(page_size, f.zero_from - off));
        ssize_t n = ::pread(f.fd, it->second.bytes.data(), want, static_cast<off_t>(off));
        if (n < 0) err = -errno;
        if (n > 0 && static_cast<size_t>(n) < want) std::memset(it->second.bytes.data() + n, 0, want - n);
    }
    return it->second;
}

int lazy_cache::write(ino_t ino, int fd, std::span<const uint8_t> data, uint64_t off) {
    int err = 0;
    file_state* f = state(ino, fd, err);
    if (!f) return err;
    uint64_t pos = off;
    while (!data.empty()) {
        uint64_t index = pos / page_size, in = pos % page_size;
        size_t n = static_cast<size_t>(std::min<uint64_t>(page_size - in, data.size()));
        page& p = load(*f, index, err);
        if (err) return err;
        std::memcpy(p.bytes.data() + in, data.data(), n);
        p.seq = ++seq_;
        data = data.subspan(n);
        pos += n;
    }
    f->size = std::max(f->size, pos);
    return 0;
}

ssize_t lazy_cache::read(ino_t ino, int fd, std::span<uint8_t> out, uint64_t off) {
    auto it = files_.find(ino);
    if (it == files_.end()) {
        ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(off));
        return n < 0 ? -errno : n;
    }
    const file_state& f = it->second;
    if (off >= f.size) return 0;
    size_t total = static_cast<size_t>(std::min<uint64_t>(out.size(), f.size - off));
    size_t done = 0;
    while (done < total) {
        uint64_t pos = off + done, index = pos / page_size, in = pos % page_size;
        size_t n = static_cast<size_t>(std::min<uint64_t>(page_size - in, total - done));
        uint8_t* dst = out.data() + done;
        if (auto p = f.pages.find(index); p != f.pages.end()) {
            std::memcpy(dst, p->second.bytes.data() + in, n);
        } else {
            std::memset(dst, 0, n);
            if (pos < f.zero_from) {
                size_t want = static_cast<size_t>(std::min<uint64_t>(n, f.zero_from - pos));
                ssize_t r = ::pread(f.fd, dst, want, static_cast<off_t>(pos));
                if (r < 0) return -errno;
            }
        }
        done += n;
    }
    return static_cast<ssize_t>(total);
}

int lazy_cache::truncate(ino_t ino, int fd, uint64_t size) {
    int err = 0;
    file_state* f = state(ino, fd, err);
    if (!f) return err;
    if (size < f->size) {
        f->pages.erase(f->pages.lower_bound((size + page_size - 1) / page_size), f->pages.end());
        if (auto p = f->pages.find(size / page_size); p != f->pages.end() && size % page_size != 0)
            std::memset(p->second.bytes.data() + size % page_size, 0, page_size - size % page_size);
        f->zero_from = std::min(f->zero_from, size);
    }
    f->size = size;
    return 0;
}

bool lazy_cache::size(ino_t ino, uint64_t& out) const {
    auto it = files_.find(ino);
    if (it == files_.end()) return false;
    out = it->second.size;
    return true;
}

int lazy_cache::persist_page(file_state& f, uint64_t index, const page& p, uint64_t limit) {
    uint64_t off = index * page_size;
    if (limit <= off) return 0;
    size_t n = static_cast<size_t>(std::min<uint64_t>(page_size, limit - off));
    ssize_t w = ::pwrite(f.fd, p.bytes.data(), n, static_cast<off_t>(off));
    return w < 0 ? -errno : 0;
}

int lazy_cache::persist_size(file_state& f) {
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return -errno;
    if (static_cast<uint64_t>(st.st_size) != f.size && ::ftruncate(f.fd, static_cast<off_t>(f.size)) != 0) return -errno;
    return 0;
}

int lazy_cache::sync(ino_t ino) {
    auto it = files_.find(ino);
    if (it == files_.end()) return 0;
    file_state& f = it->second;
    // A shrink that was followed by writes past the new end: cut the stale bytes first, so the
    // gap between the shrink point and the later pages reads as zeros on disk too.
    if (f.zero_from < f.backing && ::ftruncate(f.fd, static_cast<off_t>(f.zero_from)) != 0) return -errno;
    for (const auto& [index, p] : f.pages)
        if (int e = persist_page(f, index, p, f.size); e != 0) return e;
    if (int e = persist_size(f); e != 0) return e;
    if (::fdatasync(f.fd) != 0) return -errno;
    drop(ino);
    return 0;
}

int lazy_cache::sync_all() {
    while (!files_.empty())
        if (int e = sync(files_.begin()->first); e != 0) return e;
    return 0;
}

void lazy_cache::drop(ino_t ino) {
    auto it = files_.find(ino);
    if (it == files_.end()) return;
    ::close(it->second.fd);
    files_.erase(it);
}

void lazy_cache::forget(ino_t ino) { drop(ino); }

cut_stats lazy_cache::cut(const cut_policy& policy) {
    cut_stats s;
    std::mt19937_64 rng(policy.seed);
    std::bernoulli_distribution keep(std::clamp(policy.keep, 0.0, 1.0));
    std::uniform_int_distribution<uint64_t> sectors(0, page_size / sector_size - 1);
    for (auto& [ino, f] : files_) {
        ++s.files;
        uint64_t last = 0, last_seq = 0;
        for (const auto& [index, p] : f.pages)
            if (p.seq > last_seq) last = index, last_seq = p.seq;
        for (const auto& [index, p] : f.pages) {
            if (policy.tear && index == last) {
                uint64_t n = sectors(rng) * sector_size; // never the whole page: that is "kept"
                if (n > 0) (void)persist_page(f, index, p, std::min(f.size, index * page_size + n));
                ++s.torn;
            } else if (policy.keep > 0 && keep(rng)) {
                (void)persist_page(f, index, p, f.size);
                ++s.kept;
            } else {
                ++s.dropped;
            }
        }
        ::close(f.fd);
    }
    files_.clear();
    return s;
}

uint64_t lazy_cache::dirty_pages() const {
    uint64_t n = 0;
    for (const auto& [ino, f] : files_) n += f.pages.size();
    return n;
}

} // namespace brook::powerfs
