// brook_mock_cluster: librdkafka's in-memory mock cluster as a separate process, so the bench can
// measure it side by side with Brook (a peer in its own process gets its own CPU accounting and
// does not share the client's librdkafka threads).
//
// Prints exactly one line "bootstrap=HOST:PORT[,...]" on stdout once the cluster listens, then
// serves until SIGTERM/SIGINT. `--topic NAME:PARTITIONS` pre-creates topics (the mock in
// librdkafka 2.0.2 does not serve CreateTopics; unknown topics are auto-created with the mock's
// default partition count).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"librdkafka mock cluster peer for brook_bench"};
  int brokers = 1;
  std::vector<std::string> topics;
  app.add_option("--brokers", brokers, "Number of mock brokers")->check(CLI::Range(1, 16));
  app.add_option("--topic", topics, "Pre-create NAME:PARTITIONS (repeatable)");
  CLI11_PARSE(app, argc, argv);

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only does the mock's book keeping; keep it quiet.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (mc == nullptr) {
    std::fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  for (const auto& t : topics) {
    auto colon = t.rfind(':');
    std::string name = colon == std::string::npos ? t : t.substr(0, colon);
    int parts = colon == std::string::npos ? 1 : std::stoi(t.substr(colon + 1));
    if (auto err = rd_kafka_mock_topic_create(mc, name.c_str(), parts, 1); err) {
      std::fprintf(stderr, "topic %s: %s\n", name.c_str(), rd_kafka_err2str(err));
    }
  }

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);
  while (!g_stop) {
    // The mock runs on its own thread; the main thread only waits for the signal.
    rd_kafka_poll(rk, 100);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
