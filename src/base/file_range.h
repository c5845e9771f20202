#pragma once
// file_range: bytes that stay in a file until they are sent — [position, position + length)
// of an open descriptor. Lets storage hand fetched batches to the socket writer (sendfile or pread)
// without copying them into user space. `keep_alive` owns whatever keeps `fd` open (a
// segment's file handle), so the range stays readable while a response is pending even if
// retention or topic deletion unlinks the file meanwhile.
//
// file_splice: where a range goes inside an encoded message body — its bytes belong before
// body[at] (the body itself holds only what surrounds them, e.g. the length prefix).
//
// Value types; the fd is only read (pread/sendfile), never closed through these.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace brook {

struct file_range {
    std::shared_ptr<const void> keep_alive;
    int fd = -1;
    uint64_t position = 0;
    uint64_t length = 0;

    bool empty() const { return length == 0; }
};

struct file_splice {
    size_t at = 0; // offset in the body the range is inserted before
    file_range range;
};

} // namespace brook
