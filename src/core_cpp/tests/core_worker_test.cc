#include <gtest/gtest.h>

#include <atomic>
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

TEST(CoreWorkerReferenceCounterTest, FreesOwnedObjectWhenLastRefGoes) {
  std::vector<ObjectID> freed;
  ReferenceCounter refs([&](const ObjectID& id) { freed.push_back(id); });
  ObjectID a = NewObject(1);
  refs.AddOwnedObject(a, rpc::Address());
  refs.AddLocalRef(a);
  refs.AddSubmittedTaskRefs({a});
  refs.RemoveLocalRef(a);
  EXPECT_TRUE(freed.empty());  // a pending task still takes it as an argument
  refs.RemoveSubmittedTaskRefs({a});
  EXPECT_EQ(freed, std::vector<ObjectID>{a});
  EXPECT_FALSE(refs.IsTracked(a));
}

TEST(CoreWorkerReferenceCounterTest, EscapedOwnedObjectIsKept) {
  std::vector<ObjectID> freed;
  ReferenceCounter refs([&](const ObjectID& id) { freed.push_back(id); });
  ObjectID a = NewObject(1);
  refs.AddOwnedObject(a, rpc::Address());
  refs.AddLocalRef(a);
  refs.MarkEscaped(a);
  refs.RemoveLocalRef(a);
  EXPECT_TRUE(freed.empty());
  EXPECT_TRUE(refs.IsOwnedByMe(a));
}

TEST(CoreWorkerReferenceCounterTest, BorrowedRefRemembersOwnerAndDropsCache) {
  std::vector<ObjectID> freed;
  ReferenceCounter refs([&](const ObjectID& id) { freed.push_back(id); });
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
  EXPECT_EQ(freed, std::vector<ObjectID>{a});
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

TEST(CoreWorkerTaskReceiverTest, ActorCallsRunInCallerOrderWhateverTheArrivalOrder) {
  std::vector<int64_t> ran;
  TaskReceiver receiver([&](const rpc::TaskSpec& spec, rpc::PushTaskReply*) {
    ran.push_back(spec.sequence_number());
  }, [](const TaskID&) {});
  std::vector<rpc::PushTaskRequest> requests;
  for (int64_t seq : {2, 0, 3, 1}) requests.push_back(ActorCall("caller-a", seq, 0));
  std::vector<rpc::PushTaskReply> replies(requests.size());
  std::atomic<int> sent{0};
  for (size_t i = 0; i < requests.size(); i++) {
    receiver.HandlePushTask(requests[i], &replies[i], [&](Status) {
      if (++sent == 4) receiver.Stop();
    });
  }
  receiver.RunLoop();
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

}  // namespace
}  // namespace colony
