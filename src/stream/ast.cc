#include "stream/ast.h"

#include <cctype>

namespace brook::stream {

std::string to_sql(const expr& e) {
    auto arg = [&](size_t i) { return to_sql(*e.args[i]); };
    switch (e.k) {
    case expr::kind::literal:
        if (!e.name.empty()) return e.name; // INTERVAL as written
        if (auto* s = std::get_if<std::string>(&e.lit)) return "'" + *s + "'";
        return to_text(e.lit);
    case expr::kind::column: {
        std::string n;
        for (char c : e.name) n.push_back(char(std::tolower(static_cast<unsigned char>(c))));
        return n;
    }
    case expr::kind::star: return "*";
    case expr::kind::unary: return e.name == "-" ? "-" + arg(0) : "NOT " + arg(0);
    case expr::kind::binary: return "(" + arg(0) + " " + e.name + " " + arg(1) + ")";
    case expr::kind::call: {
        std::string s = e.name + "(" + (e.distinct ? "DISTINCT " : "");
        for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + arg(i);
        return s + ")";
    }
    case expr::kind::case_: {
        std::string s = "CASE";
        size_t i = 0;
        if (e.has_operand) s += " " + arg(i++);
        size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
        for (; i + 1 < pairs_end + 1 && i < pairs_end; i += 2) s += " WHEN " + arg(i) + " THEN " + arg(i + 1);
        if (e.has_else) s += " ELSE " + arg(e.args.size() - 1);
        return s + " END";
    }
    case expr::kind::cast: return std::string(e.try_cast ? "TRY_CAST(" : "CAST(") + arg(0) + " AS " + e.type.name + ")";
    case expr::kind::is_null: return arg(0) + (e.negated ? " IS NOT NULL" : " IS NULL");
    case expr::kind::between: return arg(0) + (e.negated ? " NOT" : "") + " BETWEEN " + arg(1) + " AND " + arg(2);
    case expr::kind::in_list: {
        std::string s = arg(0) + (e.negated ? " NOT IN (" : " IN (");
        for (size_t i = 1; i < e.args.size(); ++i) s += (i > 1 ? ", " : "") + arg(i);
        return s + ")";
    }
    case expr::kind::like: return arg(0) + (e.negated ? " NOT LIKE " : " LIKE ") + arg(1);
    case expr::kind::named_arg: return e.name + " => " + arg(0);
    case expr::kind::table_arg: return "TABLE " + e.name;
    case expr::kind::descriptor: return "DESCRIPTOR(" + e.name + ")";
    }
    return "?";
}

} // namespace brook::stream
