#include "stream/lexer.h"

#include <cctype>

namespace brook::stream {

checked<std::vector<token>> lex(std::string_view s) {
    std::vector<token> out;
    int line = 1, col = 1;
    size_t i = 0;
    auto advance = [&](size_t n) {
        for (size_t k = 0; k < n && i < s.size(); ++k, ++i) {
            if (s[i] == '\n') { ++line; col = 1; } else { ++col; }
        }
    };
    while (i < s.size()) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) { advance(1); continue; }
        position at{line, col};
        if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
            while (i < s.size() && s[i] != '\n') advance(1);
            continue;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            auto end = s.find("*/", i + 2);
            if (end == std::string_view::npos) return sql_error{at, "unterminated comment: /* has no closing */"};
            advance(end + 2 - i);
            continue;
        }
        token t;
        t.pos = at;
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$')) ++j;
            t.kind = tok::ident;
            t.text = std::string(s.substr(i, j - i));
            for (char ch : t.text) t.upper.push_back(char(std::toupper(static_cast<unsigned char>(ch))));
            advance(j - i);
        } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            size_t j = i;
            while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
            if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
                ++j;
                if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
                while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            }
            t.kind = tok::number;
            t.text = t.upper = std::string(s.substr(i, j - i));
            advance(j - i);
        } else if (c == '\'' || c == '`') {
            const char q = c;
            std::string v;
            size_t j = i + 1;
            for (;;) {
                if (j >= s.size())
                    return sql_error{at, q == '\'' ? "unterminated string literal: ' has no closing quote"
                                                   : "unterminated identifier: ` has no closing backquote"};
                if (s[j] == q) {
                    if (j + 1 < s.size() && s[j + 1] == q) { v.push_back(q); j += 2; continue; } // '' escapes '
                    break;
                }
                v.push_back(s[j++]);
            }
            t.kind = q == '\'' ? tok::string : tok::quoted_ident;
            t.text = t.upper = v;
            advance(j + 1 - i);
        } else {
            static constexpr std::string_view two[] = {"<=", ">=", "<>", "!=", "||", "=>"};
            t.kind = tok::symbol;
            for (auto op : two)
                if (s.substr(i, 2) == op) t.text = std::string(op);
            if (t.text.empty()) {
                if (std::string_view("(),;.*+-/%=<>").find(c) == std::string_view::npos)
                    return sql_error{at, std::string("unexpected character '") + c + "'"};
                t.text = std::string(1, c);
            }
            t.upper = t.text;
            advance(t.text.size());
        }
        out.push_back(std::move(t));
    }
    token end;
    end.pos = {line, col};
    out.push_back(end);
    return out;
}

} // namespace brook::stream
