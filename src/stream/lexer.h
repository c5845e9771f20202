#pragma once
// Splits SQL text into tokens with their line and column. Keywords are not special here:
// an identifier's upper-cased text is compared by the parser, so `window_start` and
// `TUMBLE` are both identifiers. Backquoted identifiers (`my col`) keep their case and
// never match a keyword.
#include <string>
#include <string_view>
#include <vector>

#include "stream/sql_error.h"

namespace brook::stream {

enum class tok { ident, quoted_ident, string, number, symbol, end };

struct token {
    tok kind = tok::end;
    std::string text;  // identifiers as written; strings unescaped; symbols like "<=" or "=>"
    std::string upper; // identifiers upper-cased (keyword matching), else == text
    position pos;
};

// Every token of sql followed by one tok::end; an unterminated string or comment or a stray
// character is an error at its position.
checked<std::vector<token>> lex(std::string_view sql);

} // namespace brook::stream
