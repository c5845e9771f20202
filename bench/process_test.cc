#include "process.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

namespace brook::bench {
namespace {

TEST(ChildProcess, CapturesStdoutLine) {
  std::string err;
  auto c = child_process::spawn({"/bin/sh", "-c", "echo bootstrap=127.0.0.1:1; sleep 30"}, true, "", &err);
  ASSERT_TRUE(c.has_value()) << err;
  auto line = c->read_line(std::chrono::seconds(5));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "bootstrap=127.0.0.1:1");
  EXPECT_TRUE(c->running());
  int st = c->stop(std::chrono::seconds(5));
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_FALSE(c->running());
}

TEST(ChildProcess, ReadLineTimesOut) {
  std::string err;
  auto c = child_process::spawn({"/bin/sleep", "30"}, true, "", &err);
  ASSERT_TRUE(c.has_value()) << err;
  EXPECT_FALSE(c->read_line(std::chrono::milliseconds(100)).has_value());
}

TEST(Ports, FreePortIsNotListening) {
  int p = pick_free_port();
  ASSERT_GT(p, 0);
  EXPECT_FALSE(wait_for_port("127.0.0.1", p, std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace brook::bench
