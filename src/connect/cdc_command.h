#pragma once
// `brook cdc postgres`: registered on the binary's CLI11 app by src/app/main.cc, like the
// client commands. Usage from main():
//   brook::connect::cdc_command cdc(app);
//   CLI11 parse ...
//   if (auto rc = cdc.run()) return *rc;
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "connect/postgres/options.h"

namespace brook::connect {

class cdc_command {
public:
    explicit cdc_command(CLI::App& app);
    // CLI11 binds to the members: the object stays where main() made it.
    cdc_command(const cdc_command&) = delete;
    cdc_command& operator=(const cdc_command&) = delete;

    // The exit code when `cdc postgres` was picked, else nullopt. Call once, after parsing.
    std::optional<int> run() const;

private:
    CLI::App* postgres_ = nullptr;
    pg::cdc_options options_;
    std::string tables_;
    std::vector<std::string> sets_;
    bool quiet_ = false;
};

} // namespace brook::connect
