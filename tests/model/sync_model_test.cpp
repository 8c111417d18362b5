// tests/model/sync_model_test.cpp: models of oneshot and notify, the sync layer's hand-off
// primitives, which are being written on another branch. The scenarios are templates over a
// small adapter (`Api`). Today they run against the reference adapters below (a spin-lock
// oneshot and notify written here, so the scenarios themselves are known to pass and to
// fail: see NotifyModel.ABrokenNotifyLosesAWakeUp). When weft/sync/oneshot.hpp and
// notify.hpp land, write `weft_oneshot` / `weft_notify` adapters (a few lines each, at the
// marked places) and add one TEST line per scenario with them.
#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "model_support.hpp"
#include "weft/core/context.hpp"
#include "weft/core/poll.hpp"
#include "weft/detail/spin_lock.hpp"

namespace {

using weft::detail::spin_lock;
using weft::model::flag_waker;

/// Polls `f` (through `poll`) with `w` until ready, sleeping between polls.
template <class Poll> auto wait_ready(const flag_waker& w, Poll&& poll) {
  const weft::waker wk = w.make();
  for (;;) {
    const std::uint32_t seen = w.seen();
    weft::context cx(wk);
    auto p = poll(cx);
    if (p.is_ready()) return p;
    w.sleep(seen);
  }
}

// ---- oneshot -------------------------------------------------------------------------------
// Api: channel (shared state), sender, receiver;
//   make() -> std::pair<sender, receiver>
//   send(sender&&, int)                         consumes the sender
//   poll(receiver&, context&) -> poll<std::optional<int>>   nullopt: the sender is gone

/// Reference oneshot: one lock, a value slot, a waker slot, a "sender gone" flag.
struct ref_oneshot {
  struct shared {
    spin_lock lock;
    std::optional<int> value;
    std::optional<weft::waker> w;
    bool sender_gone = false;
    int refs = 2;
  };
  static void release(shared* s) {
    s->lock.lock();
    const bool last = --s->refs == 0;
    s->lock.unlock();
    if (last) delete s;
  }
  class sender {
  public:
    explicit sender(shared* s) : s_(s) {}
    sender(sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    sender& operator=(sender&&) = delete;
    ~sender() { close(std::nullopt); }
    void close(std::optional<int> v) {
      shared* s = std::exchange(s_, nullptr);
      if (s == nullptr) return;
      std::optional<weft::waker> w;
      s->lock.lock();
      s->value = v;
      s->sender_gone = true;
      w.swap(s->w);
      s->lock.unlock();
      if (w) std::move(*w).wake();
      release(s);
    }

  private:
    shared* s_;
  };
  class receiver {
  public:
    explicit receiver(shared* s) : s_(s) {}
    receiver(receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    receiver& operator=(receiver&&) = delete;
    ~receiver() {
      if (s_ == nullptr) return;
      s_->lock.lock();
      std::optional<weft::waker> w;
      w.swap(s_->w);  // dropped outside the lock
      s_->lock.unlock();
      release(std::exchange(s_, nullptr));
    }
    weft::poll<std::optional<int>> poll(weft::context& cx) {
      s_->lock.lock();
      if (s_->sender_gone) {
        std::optional<int> v = std::exchange(s_->value, std::nullopt);
        s_->lock.unlock();
        return weft::poll<std::optional<int>>(std::in_place, v);
      }
      if (!s_->w || !s_->w->will_wake(cx.waker())) s_->w = cx.waker();
      s_->lock.unlock();
      return weft::pending;
    }

  private:
    shared* s_;
  };
  static std::pair<sender, receiver> make() {
    auto* s = new shared();
    return {sender(s), receiver(s)};
  }
  static void send(sender&& tx, int v) {
    sender s(std::move(tx));
    s.close(v);
  }
  static weft::poll<std::optional<int>> poll(receiver& rx, weft::context& cx) {
    return rx.poll(cx);
  }
};

// struct weft_oneshot { ... };  <- the adapter over weft/sync/oneshot.hpp goes here.

template <class Api> void oneshot_send_races_receive() {
  flag_waker w;
  auto [tx, rx] = Api::make();
  weft::model::thread sender([&] { Api::send(std::move(tx), 42); });
  auto p = wait_ready(w, [&](weft::context& cx) { return Api::poll(rx, cx); });
  WEFT_MODEL_ASSERT(p.take() == std::optional<int>(42));
  sender.join();
}

template <class Api> void oneshot_sender_drop_closes() {
  flag_waker w;
  auto [tx, rx] = Api::make();
  weft::model::thread sender([&] { [[maybe_unused]] auto gone = std::move(tx); });
  auto p = wait_ready(w, [&](weft::context& cx) { return Api::poll(rx, cx); });
  WEFT_MODEL_ASSERT(!p.take().has_value());
  sender.join();
}

template <class Api> void oneshot_receiver_drop_races_send() {
  flag_waker w;  // outlives the sender, which may wake it after the receiver is gone
  auto [tx, rx] = Api::make();
  weft::model::thread sender([&] { Api::send(std::move(tx), 42); });
  {
    const weft::waker wk = w.make();
    weft::context cx(wk);
    (void)Api::poll(rx, cx);  // registers a waker (or sees the value)
    [[maybe_unused]] auto gone = std::move(rx);  // dropped while the send may be running
  }
  sender.join();  // the shared state is freed exactly once (ASan in the model preset)
}

TEST(OneshotModel, SendRacesReceive) { WEFT_EXPECT_MODEL(oneshot_send_races_receive<ref_oneshot>); }
TEST(OneshotModel, SenderDropClosesTheChannel) {
  WEFT_EXPECT_MODEL(oneshot_sender_drop_closes<ref_oneshot>);
}
TEST(OneshotModel, ReceiverDropRacesSend) {
  WEFT_EXPECT_MODEL(oneshot_receiver_drop_races_send<ref_oneshot>);
}

// ---- notify --------------------------------------------------------------------------------
// Api (tokio::sync::Notify's contract): notify, notified (a future);
//   notified wait(notify&)                       a future; completes after a notification
//   poll(notified&, context&) -> poll<void>
//   notify_one(notify&)    wakes one waiter, or stores one permit if nobody waits

/// Reference notify: one lock, a permit, a list of registered waiters.
struct ref_notify {
  struct notified;
  struct notify {
    spin_lock lock;
    bool permit = false;
    std::vector<notified*> waiters;
    bool lose_permits = false;  // a deliberately broken notify_one, to show a lost wake-up
  };
  struct notified {
    notify* n;
    std::optional<weft::waker> w;
    bool registered = false;
    bool done = false;
    explicit notified(notify& nn) : n(&nn) {}
    notified(notified&&) = delete;
    ~notified() {
      n->lock.lock();
      if (registered) std::erase(n->waiters, this);
      n->lock.unlock();
    }
  };
  static notified* wait(notify& n) { return new notified(n); }
  static weft::poll<void> poll(notified& f, weft::context& cx) {
    f.n->lock.lock();
    if (!f.done && !f.registered && f.n->permit) {
      f.n->permit = false;
      f.done = true;
    }
    if (f.done) {
      f.n->lock.unlock();
      return weft::ready();
    }
    f.w = cx.waker();
    if (!f.registered) {
      f.registered = true;
      f.n->waiters.push_back(&f);
    }
    f.n->lock.unlock();
    return weft::pending;
  }
  static void notify_one(notify& n) {
    std::optional<weft::waker> w;
    n.lock.lock();
    if (n.waiters.empty()) {
      if (!n.lose_permits) n.permit = true;
    } else {
      notified* f = n.waiters.front();
      n.waiters.erase(n.waiters.begin());
      f->registered = false;
      f->done = true;
      w.swap(f->w);
    }
    n.lock.unlock();
    if (w) std::move(*w).wake();
  }
};

// struct weft_notify { ... };  <- the adapter over weft/sync/notify.hpp goes here.

template <class Api> void notify_one_races_first_poll(typename Api::notify& n) {
  flag_waker w;
  weft::model::thread notifier([&] { Api::notify_one(n); });
  auto* f = Api::wait(n);
  (void)wait_ready(w, [&](weft::context& cx) { return Api::poll(*f, cx); });
  delete f;
  notifier.join();
}

template <class Api> void two_notifies_wake_two_waiters() {
  // At most one permit is stored, so the second notify waits until one waiter is through:
  // it must then reach the other waiter, registered or not.
  typename Api::notify n;
  weft::detail::atomic<int> through{0};
  auto waiter = [&] {
    flag_waker w;
    auto* f = Api::wait(n);
    (void)wait_ready(w, [&](weft::context& cx) { return Api::poll(*f, cx); });
    delete f;
    through.fetch_add(1);
  };
  weft::model::thread a(waiter);
  weft::model::thread b(waiter);
  Api::notify_one(n);
  while (through.load() == 0) weft::model::yield();
  Api::notify_one(n);
  a.join();
  b.join();
}

TEST(NotifyModel, NotifyOneRacesTheFirstPoll) {
  WEFT_EXPECT_MODEL([] {
    ref_notify::notify n;
    notify_one_races_first_poll<ref_notify>(n);
  });
}
TEST(NotifyModel, TwoNotifiesWakeTwoWaiters) {
  WEFT_EXPECT_MODEL(two_notifies_wake_two_waiters<ref_notify>);
}
TEST(NotifyModel, ABrokenNotifyLosesAWakeUp) {
  weft::model::options o;
  o.quiet = true;
  o.from_env = false;
  const auto r = weft::model::explore(
      [] {
        ref_notify::notify n;
        n.lose_permits = true;  // a notify before the first poll is dropped
        notify_one_races_first_poll<ref_notify>(n);
      },
      o);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.failure.find("deadlock"), std::string::npos) << r.failure;
}

} // namespace
