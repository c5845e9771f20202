#include "stream/window.h"

#include "stream/value.h"

namespace brook::stream {

int64_t window_start_with_offset(int64_t ts, int64_t offset, int64_t size) {
    return ts - floor_mod(ts - offset, size);
}

void assign_windows(const window_spec& s, int64_t ts, std::vector<window>& out) {
    out.clear();
    switch (s.kind) {
    case window_kind::tumble: {
        int64_t start = window_start_with_offset(ts, s.offset, s.size);
        out.push_back({start, start + s.size});
        break;
    }
    case window_kind::hop: {
        int64_t last_start = window_start_with_offset(ts, s.offset, s.slide);
        for (int64_t start = last_start; start > ts - s.size; start -= s.slide) out.push_back({start, start + s.size});
        break;
    }
    case window_kind::cumulate: {
        int64_t start = window_start_with_offset(ts, s.offset, s.size);
        int64_t last_end = start + s.size;
        int64_t first_end = window_start_with_offset(ts, s.offset, s.slide) + s.slide;
        for (int64_t end = first_end; end <= last_end; end += s.slide) out.push_back({start, end});
        break;
    }
    case window_kind::session: break;
    }
}

} // namespace brook::stream
