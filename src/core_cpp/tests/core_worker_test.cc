#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "core_worker/memory_store.h"
#include "core_worker/reference_counter.h"
#include "core_worker/task_receiver.h"

namespace colony {
namespace {

ObjectValuePtr Value(const std::string& data) {
  auto v = std::make_shared<rpc::ObjectValue>();
  v->set_data(data);
  return v;
}

ObjectID NewObject(uint32_t index) {
  return ObjectID::ForReturn(TaskID::ForDriver(JobID::FromInt(1)), index);
}

TEST(CoreWorkerMemoryStoreTest, GetWaitsForPutAndTimesOut) {
  MemoryStore store;
  ObjectID a = NewObject(1), b = NewObject(2);
  std::vector<ObjectValuePtr> out;
  EXPECT_EQ(store.Get({a}, 10, &out).code(), StatusCode::kTimedOut);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    store.Put(a, Value("x"));
    store.Put(b, Value("y"));
  });
  ASSERT_TRUE(store.Get({a, b}, -1, &out).ok());
  producer.join();
  EXPECT_EQ(out[0]->data(), "x");
  EXPECT_EQ(out[1]->data(), "y");
}

TEST(CoreWorkerMemoryStoreTest, GetStopsAtTheFirstErrorWhenAsked) {
  MemoryStore store;
  ObjectID slow = NewObject(1), failed = NewObject(2);
  auto error = Value("boom");
  std::const_pointer_cast<rpc::ObjectValue>(error)->set_metadata("ERROR:1");
  std::vector<ObjectValuePtr> out;
  // Without stop_at_error, an error is one value among others: the wait goes on.
  store.Put(failed, error);
  EXPECT_EQ(store.Get({slow, failed}, 10, &out).code(), StatusCode::kTimedOut);
  // With it, an error already there ends the get at once...
  ASSERT_TRUE(store.Get({slow, failed}, -1, &out, /*stop_at_error=*/true).ok());
  EXPECT_EQ(out[0], nullptr);
  EXPECT_EQ(out[1]->data(), "boom");
  // ...and one that arrives while waiting wakes it (never-ready `slow` stays null).
  ObjectID later = NewObject(3);
  std::thread producer([&] { store.Put(later, error); });
  ASSERT_TRUE(store.Get({slow, later}, -1, &out, /*stop_at_error=*/true).ok());
  producer.join();
  EXPECT_EQ(out[0], nullptr);
  EXPECT_EQ(out[1]->metadata(), "ERROR:1");
}

TEST(CoreWorkerMemoryStoreTest, FirstPutWinsAndCallbacksFireOnce) {
  MemoryStore store;
  ObjectID a = NewObject(1);
  int calls = 0;
  store.GetAsync(a, [&](ObjectValuePtr v) {
    calls++;
    EXPECT_EQ(v->data(), "first");
  });
  store.Put(a, Value("first"));
  store.Put(a, Value("second"));  // a retried task's duplicate return
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(store.GetIfExists(a)->data(), "first");
  store.GetAsync(a, [&](ObjectValuePtr) { calls++; });  // already there: runs at once
  EXPECT_EQ(calls, 2);
}

TEST(CoreWorkerMemoryStoreTest, WaitReturnsOnceEnoughAreReady) {
  MemoryStore store;
  ObjectID a = NewObject(1), b = NewObject(2), c = NewObject(3);
  store.Put(b, Value("b"));
  std::vector<bool> ready;
  store.Wait({a, b, c}, 1, 1000, &ready);
  EXPECT_EQ(ready, (std::vector<bool>{false, true, false}));
  store.Wait({a, b, c}, 2, 10, &ready);  // times out with what it has
  EXPECT_EQ(ready, (std::vector<bool>{false, true, false}));
}

TEST(CoreWorkerMemoryStoreTest, ManyWaitersDuplicatesAndDeletedValues) {
  MemoryStore store;
  ObjectID a = NewObject(1), b = NewObject(2), c = NewObject(3);
  std::vector<ObjectValuePtr> got_ab, got_aa;
  std::vector<bool> ready;
  std::thread get_ab([&] { EXPECT_TRUE(store.Get({a, b}, 5000, &got_ab).ok()); });
  std::thread get_aa([&] { EXPECT_TRUE(store.Get({a, a}, 5000, &got_aa).ok()); });
  // A duplicate counts once per index: two ready indices from one value.
  std::thread wait_two([&] { store.Wait({a, a, c}, 2, 5000, &ready); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store.Put(a, Value("a"));
  get_aa.join();
  wait_two.join();
  EXPECT_EQ(ready, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(got_aa[1]->data(), "a");
  store.Put(b, Value("b"));
  get_ab.join();
  EXPECT_EQ(got_ab[1]->data(), "b");

  // A timed-out getter leaves no registration behind; a later put still works.
  std::vector<ObjectValuePtr> out;
  EXPECT_EQ(store.Get({a, c}, 10, &out).code(), StatusCode::kTimedOut);
  EXPECT_EQ(out[0]->data(), "a");  // found values are filled in even on timeout
  EXPECT_EQ(out[1], nullptr);
  store.Put(c, Value("c"));
  EXPECT_TRUE(store.Get({c}, 0, &out).ok());
}

rpc::Address WorkerAddress(char worker) {
  rpc::Address a;
  a.set_ip("127.0.0.1");
  a.set_port(1000 + worker);
  a.set_worker_id(std::string(16, worker));
  return a;
}

// Reference counters of several "processes" wired to each other in memory: messages are
// queued and delivered by Pump(), so tests control the order in which they land.
class RefCluster {
 public:
  ReferenceCounter& Add(char worker) {
    ReferenceCounter::Callbacks cb;
    cb.on_free = [this, worker](const ObjectID& id, bool owned) {
      freed[worker].push_back(id);
      (void)owned;
    };
    cb.post = [this](std::function<void()> fn) { queue_.push_back(std::move(fn)); };
    cb.add_borrowers = [this](const rpc::Address& owner, const rpc::Address& borrower,
                              const std::vector<ObjectID>& ids,
                              std::function<void(std::vector<bool>)> done) {
      queue_.push_back([this, owner, borrower, ids, done] {
        std::vector<bool> found;
        for (const auto& id : ids) {
          found.push_back(counters_.at(owner.worker_id()[0])->AddBorrower(id, borrower.worker_id()));
        }
        done(found);
      });
    };
    cb.remove_borrowers = [this, worker](const rpc::Address& owner, const std::vector<ObjectID>& ids,
                                         const std::vector<int>& counts) {
      queue_.push_back([this, worker, owner, ids, counts] {
        for (size_t i = 0; i < ids.size(); i++) {
          counters_.at(owner.worker_id()[0])->RemoveBorrower(ids[i], std::string(16, worker), counts[i]);
        }
      });
    };
    auto counter = std::make_unique<ReferenceCounter>(std::move(cb));
    counter->SetSelf(WorkerAddress(worker));
    auto& ref = *counter;
    counters_[worker] = std::move(counter);
    return ref;
  }
  void Pump() {
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      fn();
    }
  }
  std::map<char, std::vector<ObjectID>> freed;

 private:
  std::map<char, std::unique_ptr<ReferenceCounter>> counters_;
  std::deque<std::function<void()>> queue_;
};

google::protobuf::RepeatedPtrField<rpc::ObjectReference> RefsTo(const ObjectID& id, char owner) {
  google::protobuf::RepeatedPtrField<rpc::ObjectReference> refs;
  auto* ref = refs.Add();
  ref->set_object_id(id.Binary());
  *ref->mutable_owner_address() = WorkerAddress(owner);
  return refs;
}

TEST(CoreWorkerReferenceCounterTest, FreesOwnedObjectWhenLastRefGoes) {
  RefCluster cluster;
  auto& refs = cluster.Add('a');
  ObjectID a = NewObject(1);
  refs.AddOwnedObject(a);
  refs.AddLocalRef(a);
  refs.AddSubmittedTaskRefs({a});
  refs.RemoveLocalRef(a);
  EXPECT_TRUE(cluster.freed['a'].empty());  // a pending task still takes it as an argument
  refs.RemoveSubmittedTaskRefs({a});
  EXPECT_EQ(cluster.freed['a'], std::vector<ObjectID>{a});
  EXPECT_FALSE(refs.IsTracked(a));
}

TEST(CoreWorkerReferenceCounterTest, ContainedRefsLiveAsLongAsTheirContainer) {
  RefCluster cluster;
  auto& refs = cluster.Add('a');
  ObjectID inner = NewObject(1), outer = NewObject(2);
  refs.AddOwnedObject(inner);
  refs.AddLocalRef(inner);
  refs.AddOwnedObject(outer, RefsTo(inner, 'a'));  // put([inner])
  refs.AddLocalRef(outer);
  refs.RemoveLocalRef(inner);
  EXPECT_TRUE(refs.IsTracked(inner));
  refs.RemoveLocalRef(outer);
  EXPECT_EQ(cluster.freed['a'], (std::vector<ObjectID>{outer, inner}));
}

TEST(CoreWorkerReferenceCounterTest, BorrowerKeepsObjectUntilItDropsIt) {
  RefCluster cluster;
  auto& owner = cluster.Add('o');
  auto& borrower = cluster.Add('b');
  ObjectID x = NewObject(1);
  owner.AddOwnedObject(x);
  owner.AddLocalRef(x);
  owner.AddSubmittedTaskRefs({x});  // x travels nested in a task argument
  borrower.AddDeserializedRef(x, WorkerAddress('o'));
  borrower.AddLocalRef(x);
  cluster.Pump();
  ASSERT_TRUE(borrower.WaitForRegistrations(0));
  EXPECT_EQ(owner.NumBorrowers(x), 1u);
  owner.RemoveSubmittedTaskRefs({x});  // the task replied
  owner.RemoveLocalRef(x);
  EXPECT_TRUE(owner.IsTracked(x));     // the borrower still holds it
  borrower.RemoveLocalRef(x);
  EXPECT_EQ(cluster.freed['b'], std::vector<ObjectID>{x});
  EXPECT_TRUE(owner.IsTracked(x));
  cluster.Pump();
  EXPECT_EQ(cluster.freed['o'], std::vector<ObjectID>{x});
}

TEST(CoreWorkerReferenceCounterTest, DeserializedRefKeepsItsOwnerOnceRegistered) {
  RefCluster cluster;
  auto& owner = cluster.Add('o');
  auto& borrower = cluster.Add('b');
  ObjectID x = NewObject(1);
  owner.AddOwnedObject(x);
  owner.AddLocalRef(x);
  // The bindings' order: the ref's local count, then the registration, which may be
  // answered before the language gets to run again.
  borrower.AddLocalRef(x);
  borrower.AddDeserializedRef(x, WorkerAddress('o'));
  cluster.Pump();
  ASSERT_TRUE(borrower.WaitForRegistrations(0));
  rpc::Address known;
  ASSERT_TRUE(borrower.GetOwner(x, &known));
  EXPECT_EQ(known.worker_id(), WorkerAddress('o').worker_id());
  EXPECT_EQ(owner.NumBorrowers(x), 1u);
}

TEST(CoreWorkerReferenceCounterTest, RemovalWaitsForRegistrationsInFlight) {
  RefCluster cluster;
  auto& owner = cluster.Add('o');
  auto& borrower = cluster.Add('b');
  ObjectID x = NewObject(1);
  owner.AddOwnedObject(x);
  owner.AddLocalRef(x);
  borrower.AddDeserializedRef(x, WorkerAddress('o'));
  borrower.AddLocalRef(x);
  borrower.RemoveLocalRef(x);  // dropped before the owner heard of it
  EXPECT_TRUE(borrower.IsTracked(x));
  EXPECT_FALSE(borrower.WaitForRegistrations(0));
  cluster.Pump();  // registration lands, then the removal follows it
  EXPECT_FALSE(borrower.IsTracked(x));
  EXPECT_EQ(owner.NumBorrowers(x), 0u);
  owner.RemoveLocalRef(x);
  EXPECT_EQ(cluster.freed['o'], std::vector<ObjectID>{x});
}

TEST(CoreWorkerReferenceCounterTest, ExecutorRegistersItsCallerForReturnedRefs) {
  RefCluster cluster;
  auto& caller = cluster.Add('c');
  auto& executor = cluster.Add('e');
  auto& third = cluster.Add('t');
  ObjectID own = NewObject(1), others = NewObject(2), ret = NewObject(3);
  executor.AddOwnedObject(own);
  executor.AddLocalRef(own);
  third.AddOwnedObject(others);
  third.AddLocalRef(others);
  executor.AddDeserializedRef(others, WorkerAddress('t'));
  executor.AddLocalRef(others);
  cluster.Pump();
  // The executor returns [own, others] to the caller, then drops its refs.
  auto returned = RefsTo(own, 'e');
  returned.MergeFrom(RefsTo(others, 't'));
  executor.AddBorrowerForCaller(returned, WorkerAddress('c'));
  cluster.Pump();
  ASSERT_TRUE(executor.WaitForRegistrations(0));
  executor.RemoveLocalRef(own);
  executor.RemoveLocalRef(others);
  third.RemoveLocalRef(others);
  cluster.Pump();
  EXPECT_TRUE(executor.IsTracked(own));
  EXPECT_TRUE(third.IsTracked(others));
  // The caller stores the return (its container) and later drops it.
  caller.AddOwnedObject(ret);
  caller.AddLocalRef(ret);
  caller.AddContainedRefs(ret, returned);
  caller.RemoveLocalRef(ret);
  cluster.Pump();
  EXPECT_FALSE(executor.IsTracked(own));
  EXPECT_FALSE(third.IsTracked(others));
  EXPECT_EQ(cluster.freed['c'].size(), 3u);
}

// A worker that runs a task it submitted itself (its own lease came back to it) returns a
// ref it owns to itself: the ref must outlive the executor's handle until the reply lands.
TEST(CoreWorkerReferenceCounterTest, RefReturnedToItselfIsHeldUntilTheReplyLands) {
  RefCluster cluster;
  auto& worker = cluster.Add('w');
  ObjectID inner = NewObject(1), ret = NewObject(2);
  worker.AddOwnedObject(ret);  // the submitted task's return, held by its caller's handle
  worker.AddLocalRef(ret);
  worker.AddOwnedObject(inner);  // submitted while the task ran
  worker.AddLocalRef(inner);
  auto returned = RefsTo(inner, 'w');
  worker.AddBorrowerForCaller(returned, WorkerAddress('w'));
  worker.RemoveLocalRef(inner);  // the executing task ends
  cluster.Pump();
  EXPECT_TRUE(worker.IsTracked(inner));
  worker.AddContainedRefs(ret, returned);  // the reply is processed
  EXPECT_TRUE(worker.IsTracked(inner));
  worker.RemoveLocalRef(ret);
  cluster.Pump();
  EXPECT_FALSE(worker.IsTracked(inner));
  EXPECT_FALSE(worker.IsTracked(ret));
}

TEST(CoreWorkerReferenceCounterTest, BorrowedRefRemembersOwnerAndDropsCache) {
  RefCluster cluster;
  auto& refs = cluster.Add('a');
  ObjectID a = NewObject(1);
  rpc::Address owner;
  owner.set_ip("10.1.2.3");
  owner.set_port(99);
  refs.AddBorrowedObject(a, owner);
  refs.AddLocalRef(a);
  rpc::Address seen;
  ASSERT_TRUE(refs.GetOwner(a, &seen));
  EXPECT_EQ(seen.ip(), "10.1.2.3");
  EXPECT_FALSE(refs.IsOwnedByMe(a));
  refs.RemoveLocalRef(a);
  EXPECT_EQ(cluster.freed['a'], std::vector<ObjectID>{a});
}

rpc::PushTaskRequest ActorCall(const std::string& caller, int64_t seq, int64_t processed_up_to) {
  rpc::PushTaskRequest request;
  auto* task = request.mutable_task();
  task->set_type(rpc::ACTOR_TASK);
  task->set_caller_handle_id(caller);
  task->set_sequence_number(seq);
  task->set_task_id(TaskID::ForNormalTask(JobID::FromInt(1), TaskID::Nil(), seq).Binary());
  request.set_client_processed_up_to(processed_up_to);
  return request;
}

// Hands every request to the receiver, then runs its loop until each has been answered.
std::vector<rpc::PushTaskReply> PushAllAndRun(TaskReceiver* receiver,
                                              const std::vector<rpc::PushTaskRequest>& requests) {
  std::vector<rpc::PushTaskReply> replies(requests.size());
  std::atomic<size_t> sent{0};
  for (size_t i = 0; i < requests.size(); i++) {
    receiver->HandlePushTask(requests[i], &replies[i], [&](Status) {
      if (++sent == requests.size()) receiver->Stop();
    });
  }
  receiver->RunLoop();
  return replies;
}

TEST(CoreWorkerTaskReceiverTest, ActorCallsRunInCallerOrderWhateverTheArrivalOrder) {
  std::vector<int64_t> ran;
  TaskReceiver receiver([&](const rpc::TaskSpec& spec, rpc::PushTaskReply*) {
    ran.push_back(spec.sequence_number());
  }, [](const TaskID&) {});
  std::vector<rpc::PushTaskRequest> requests;
  for (int64_t seq : {2, 0, 3, 1}) requests.push_back(ActorCall("caller-a", seq, 0));
  PushAllAndRun(&receiver, requests);
  EXPECT_EQ(ran, (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(CoreWorkerTaskReceiverTest, RestartedActorResumesAtProcessedUpTo) {
  std::vector<int64_t> ran;
  TaskReceiver receiver([&](const rpc::TaskSpec& spec, rpc::PushTaskReply*) {
    ran.push_back(spec.sequence_number());
  }, [](const TaskID&) {});
  // Calls 0..4 finished on the previous incarnation; 6 arrives before 5.
  auto six = ActorCall("caller-b", 6, 5);
  auto five = ActorCall("caller-b", 5, 5);
  rpc::PushTaskReply r1, r2;
  std::atomic<int> sent{0};
  auto done = [&](Status) {
    if (++sent == 2) receiver.Stop();
  };
  receiver.HandlePushTask(six, &r1, done);
  receiver.HandlePushTask(five, &r2, done);
  receiver.RunLoop();
  EXPECT_EQ(ran, (std::vector<int64_t>{5, 6}));
}

TEST(CoreWorkerTaskReceiverTest, AsyncModeHandsCallsToTheLoopUpToItsConcurrency) {
  TaskReceiver receiver([](const rpc::TaskSpec&, rpc::PushTaskReply*) {
    ADD_FAILURE() << "an async actor's calls must not run on the task loop";
  }, [](const TaskID&) {});
  std::vector<rpc::PushTaskRequest> requests;
  for (int64_t seq : {0, 1, 2}) requests.push_back(ActorCall("caller-c", seq, 0));
  std::vector<rpc::PushTaskReply> replies(requests.size());
  std::atomic<int> sent{0};
  receiver.HandlePushTask(requests[0], &replies[0], [&](Status) { sent++; });
  TaskReceiver::Pending taken;
  EXPECT_FALSE(receiver.TakeAsync(&taken));  // not async yet: the task loop's call

  std::atomic<int> wakes{0};
  receiver.SetAsync(2, [&] { wakes++; });
  EXPECT_EQ(wakes, 1);  // a call was waiting
  for (size_t i = 1; i < requests.size(); i++) {
    receiver.HandlePushTask(requests[i], &replies[i], [&](Status) { sent++; });
  }
  EXPECT_EQ(wakes, 3);
  TaskReceiver::Pending first, second, third;
  ASSERT_TRUE(receiver.TakeAsync(&first));
  ASSERT_TRUE(receiver.TakeAsync(&second));
  EXPECT_FALSE(receiver.TakeAsync(&third));  // two run at most
  EXPECT_EQ(first.spec->sequence_number(), 0);
  EXPECT_EQ(second.spec->sequence_number(), 1);
  receiver.FinishAsync(std::move(second));  // finishing out of order is fine
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(wakes, 4);  // the third may start now
  ASSERT_TRUE(receiver.TakeAsync(&third));
  EXPECT_EQ(third.spec->sequence_number(), 2);
  receiver.FinishAsync(std::move(first));
  receiver.FinishAsync(std::move(third));
  EXPECT_EQ(sent, 3);
  EXPECT_FALSE(receiver.TakeAsync(&third));
}

TEST(CoreWorkerTaskReceiverTest, AsyncConcurrencyGroupsEachHaveTheirOwnLimit) {
  TaskReceiver receiver([](const rpc::TaskSpec&, rpc::PushTaskReply*) {}, [](const TaskID&) {});
  std::atomic<int> wakes{0};
  receiver.SetAsync(2, [&] { wakes++; });
  receiver.SetConcurrencyGroups({{"io", 1}});
  std::vector<rpc::PushTaskRequest> requests;
  for (int64_t seq : {0, 1, 2}) requests.push_back(ActorCall("caller-g", seq, 0));
  requests[0].mutable_task()->set_concurrency_group("io");
  requests[1].mutable_task()->set_concurrency_group("io");
  requests[2].mutable_task()->set_concurrency_group("no-such-group");  // runs in the default
  std::vector<rpc::PushTaskReply> replies(requests.size());
  for (size_t i = 0; i < requests.size(); i++) {
    receiver.HandlePushTask(requests[i], &replies[i], [](Status) {});
  }
  std::set<int64_t> started;
  TaskReceiver::Pending a, b, c;
  ASSERT_TRUE(receiver.TakeAsync(&a));
  ASSERT_TRUE(receiver.TakeAsync(&b));
  EXPECT_FALSE(receiver.TakeAsync(&c));  // io runs one at a time; the default has none left
  started = {a.spec->sequence_number(), b.spec->sequence_number()};
  EXPECT_EQ(started, (std::set<int64_t>{0, 2}));
  TaskReceiver::Pending& io = a.spec->sequence_number() == 0 ? a : b;
  TaskReceiver::Pending& other = a.spec->sequence_number() == 0 ? b : a;
  receiver.FinishAsync(std::move(io));
  ASSERT_TRUE(receiver.TakeAsync(&c));
  EXPECT_EQ(c.spec->sequence_number(), 1);
  receiver.FinishAsync(std::move(other));
  receiver.FinishAsync(std::move(c));
}

TEST(CoreWorkerTaskReceiverTest, CancelledCallsAreSkippedInTheirTurnAndSayCancelled) {
  std::vector<int64_t> ran;
  TaskReceiver receiver([&](const rpc::TaskSpec& spec, rpc::PushTaskReply*) {
    ran.push_back(spec.sequence_number());
  }, [](const TaskID&) { ADD_FAILURE() << "nothing runs to be interrupted"; });
  // 1 was cancelled by its caller before it was sent; 2 is cancelled at the actor, here
  // before it even arrives (the cancel and the push take different routes).
  std::vector<rpc::PushTaskRequest> requests;
  for (int64_t seq : {3, 1, 0, 2}) requests.push_back(ActorCall("caller-d", seq, 0));
  requests[1].set_cancelled(true);
  EXPECT_TRUE(receiver.Cancel(TaskID::FromBinary(requests[3].task().task_id()), false));
  auto replies = PushAllAndRun(&receiver, requests);
  EXPECT_EQ(ran, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(replies[1].cancelled());
  EXPECT_TRUE(replies[3].cancelled());
  EXPECT_FALSE(replies[0].cancelled());
}

TEST(CoreWorkerTaskReceiverTest, ASyncActorsRunningCallIsNotInterrupted) {
  std::atomic<int> interrupts{0};
  std::promise<void> started, release;
  auto released = release.get_future().share();
  TaskReceiver receiver([&](const rpc::TaskSpec&, rpc::PushTaskReply*) {
    started.set_value();
    released.wait();
  }, [&](const TaskID&) { interrupts++; });
  auto request = ActorCall("caller-e", 0, 0);
  rpc::PushTaskReply reply;
  receiver.HandlePushTask(request, &reply, [&](Status) { receiver.Stop(); });
  std::thread loop([&] { receiver.RunLoop(); });
  started.get_future().wait();
  EXPECT_FALSE(receiver.Cancel(TaskID::FromBinary(request.task().task_id()), false));
  release.set_value();
  loop.join();
  EXPECT_EQ(interrupts, 0);
  EXPECT_FALSE(reply.cancelled());
}

}  // namespace
}  // namespace colony
