#pragma once
// Drives a job of a SQL script through brook::stream::pipeline with no broker: rows in by
// partition and processing time, sink rows out as text ("+k,start,end,count" / "-..." for an
// EMIT CHANGES delete) with timestamps shortened to their time of day on 1970-01-01.
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "stream/parser.h"
#include "stream/pipeline.h"
#include "stream/planner.h"

namespace brook::stream::test {

// A cell of a test row: ints, doubles, strings and values without variant ambiguity.
struct cell {
    value v;
    cell(int i) : v(int64_t(i)) {}          // NOLINT
    cell(int64_t i) : v(i) {}               // NOLINT
    cell(double d) : v(d) {}                // NOLINT
    cell(const char* s) : v(std::string(s)) {} // NOLINT
    cell(value x) : v(std::move(x)) {}      // NOLINT
};

inline value ts(double seconds) { return timestamp_ms{int64_t(seconds * 1000)}; }

inline std::string shorten(std::string s) {
    if (s.rfind("1970-01-01 ", 0) == 0) s = s.substr(11);
    if (s.size() > 4 && s.substr(s.size() - 4) == ".000") s.resize(s.size() - 4);
    return s;
}

struct harness {
    script_plan plan;
    std::unique_ptr<pipeline> p;
    std::vector<sink_row> out;

    explicit harness(const std::string& sql, std::vector<int32_t> partitions = {0}) {
        auto stmts = parse_script(sql);
        if (!stmts) ADD_FAILURE() << stmts.err().pos.line << ":" << stmts.err().pos.col << ": " << stmts.err().message;
        auto sp = plan_script(*stmts, "localhost:9092");
        if (!sp) {
            ADD_FAILURE() << sp.err().pos.line << ":" << sp.err().pos.col << ": " << sp.err().message;
            return;
        }
        plan = std::move(*sp);
        p = std::make_unique<pipeline>(plan.jobs.at(0));
        for (auto part : partitions) p->add_partition(part, 0);
    }

    // Returns the missed windows as "start-end" texts.
    std::vector<std::string> row(int32_t part, std::initializer_list<cell> cells, int64_t now_ms = 0) {
        stream::row values;
        for (const auto& c : cells) values.push_back(c.v);
        values.resize(plan.jobs[0].source.columns.size());
        auto missed = p->on_row(part, values, now_ms, out);
        std::vector<std::string> m;
        for (auto& w : missed) m.push_back(shorten(format_timestamp(w.start)) + "-" + shorten(format_timestamp(w.end)));
        return m;
    }

    std::vector<std::string> take() {
        std::vector<std::string> r;
        for (auto& s : out) {
            std::string line = s.is_delete ? "-" : "+";
            bool first = true;
            for (size_t i = 0; i < s.values.size(); ++i) {
                if (std::find(plan.jobs[0].sink_slots.begin(), plan.jobs[0].sink_slots.end(), int(i)) == plan.jobs[0].sink_slots.end()) continue;
                line += (first ? "" : ",") + shorten(to_text(s.values[i]));
                first = false;
            }
            r.push_back(line);
        }
        out.clear();
        return r;
    }

    std::vector<std::string> finish() {
        p->end_of_input(out);
        return take();
    }
};

// A source (k STRING, v BIGINT, ts TIMESTAMP(3)) with the given watermark delay, and a sink.
inline std::string tables(const std::string& delay = "INTERVAL '1' SECOND", const std::string& source_extra = "") {
    return "CREATE TABLE src (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - " + delay +
           ") WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset'" + source_extra + ");\n"
           "CREATE TABLE out (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), c BIGINT) "
           "WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n";
}

using strings = std::vector<std::string>;

} // namespace brook::stream::test
