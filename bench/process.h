#pragma once
// Child processes the bench starts and owns (the mock peer, the Brook broker), plus the small
// socket helpers needed to start them on free ports. A child_process is move-only and stops its
// process (SIGTERM, then SIGKILL after a grace period) when destroyed, so a failing run never
// leaves a broker behind. Used from the driver's main thread only.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace brook::bench {

class child_process {
 public:
  // Starts argv[0] with argv. stdout is a pipe readable with read_line() when capture_stdout;
  // otherwise stdout and stderr go to log_path (or /dev/null when empty).
  static std::optional<child_process> spawn(const std::vector<std::string>& argv, bool capture_stdout,
                                            const std::string& log_path, std::string* error);
  child_process(child_process&& o) noexcept;
  child_process& operator=(child_process&& o) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  [[nodiscard]] int pid() const { return pid_; }
  // One line from the captured stdout (without the newline), or nullopt on timeout/EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // True while the process has not exited (reaps it if it has).
  bool running();
  // SIGTERM, wait up to grace, then SIGKILL. Returns the wait status (or -1 if already reaped).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  child_process() = default;
  int pid_ = -1;
  int out_fd_ = -1;
  std::string buf_;
  bool reaped_ = false;
  int status_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
int pick_free_port();
// Polls until a TCP connect to host:port succeeds or the deadline passes.
bool wait_for_port(const std::string& host, int port, std::chrono::milliseconds timeout);
// mkdtemp under base (created if missing); returns the path or "" on failure.
std::string make_temp_dir(const std::string& base, const std::string& prefix);
// rm -rf of a directory the bench created.
void remove_tree(const std::string& path);
// Directory holding the running executable (for finding brook_mock_cluster beside brook_bench).
std::string self_dir();

}  // namespace brook::bench
