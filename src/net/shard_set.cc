#include "net/shard_set.h"

#include <pthread.h>

#include <string>

namespace brook::net {
namespace {
thread_local int this_shard = -1;
}

shard_set::shard_set(unsigned count) {
    for (unsigned i = 0; i < count; ++i) {
        contexts_.push_back(std::make_unique<context_type>(1));
        guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
    }
}

shard_set::~shard_set() {
    stop();
    join();
    for (auto& c : contexts_) c->shutdown();
    for (auto& c : contexts_) c->destroy();
}

int shard_set::current() { return this_shard; }

void shard_set::start() {
    for (unsigned i = 0; i < contexts_.size(); ++i) {
        threads_.emplace_back([this, i] {
            this_shard = static_cast<int>(i);
            std::string name = "shard-" + std::to_string(i);
            pthread_setname_np(pthread_self(), name.c_str());
            contexts_[i]->run();
        });
    }
}

void shard_set::stop() {
    guards_.clear();
    for (auto& c : contexts_) c->stop();
}

void shard_set::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

} // namespace brook::net
