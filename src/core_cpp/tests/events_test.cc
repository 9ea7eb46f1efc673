// Structured events (docs/observability.md, "Events and state"): the GCS's bounded event
// buffers and its merging of task events into attempts, a core worker's task event buffer
// (batching, a GCS that does not answer, overflow, the off switch) with a fake sender at
// its seam, and the JSON lines every process writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/event_log.h"
#include "common/id.h"
#include "core_worker/task_event_buffer.h"
#include "gcs/gcs_event_manager.h"

namespace colony {
namespace {

rpc::SendReply Ignore() {
  return [](Status) {};
}

rpc::Event NodeEvent(int i) {
  rpc::Event e;
  e.set_kind("NODE");
  e.set_state("ALIVE");
  e.set_entity_id(NodeID::FromRandom().Binary());
  e.set_message("event " + std::to_string(i));
  return e;
}

rpc::TaskEvent TaskEventOf(const std::string& job, const std::string& task, int attempt,
                           const std::string& state, int64_t time_us) {
  rpc::TaskEvent e;
  e.set_job_id(job);
  e.set_task_id(task);
  e.set_attempt(attempt);
  e.set_state(state);
  e.set_time_us(time_us);
  return e;
}

TEST(GcsEventManagerTest, KeepsTheNewestEventsAndCountsTheDropped) {
  gcs::GcsEventManagerOptions options;
  options.max_events = 3;
  gcs::GcsEventManager events(options);
  for (int i = 0; i < 5; i++) events.Record(NodeEvent(i));
  EXPECT_EQ(events.num_events(), 3u);
  EXPECT_EQ(events.dropped_events(), 2);
  rpc::GetEventsReply reply;
  events.HandleGetEvents(rpc::GetEventsRequest(), &reply, Ignore());
  ASSERT_EQ(reply.events_size(), 3);
  EXPECT_EQ(reply.events(0).message(), "event 2");  // oldest kept first
  EXPECT_EQ(reply.events(2).message(), "event 4");
  EXPECT_EQ(reply.dropped(), 2);
  EXPECT_EQ(reply.events(0).source(), "GCS");
  EXPECT_GT(reply.events(0).time_us(), 0);
}

TEST(GcsEventManagerTest, FiltersEventsByKindEntityAndLimit) {
  gcs::GcsEventManager events;
  rpc::Event actor;
  actor.set_kind("ACTOR");
  actor.set_state("DEAD");
  actor.set_entity_id(ActorID::FromRandom().Binary());
  events.Record(actor);
  for (int i = 0; i < 4; i++) events.Record(NodeEvent(i));
  rpc::GetEventsRequest by_kind;
  by_kind.set_kind("NODE");
  by_kind.set_limit(2);
  rpc::GetEventsReply reply;
  events.HandleGetEvents(by_kind, &reply, Ignore());
  ASSERT_EQ(reply.events_size(), 2);
  EXPECT_EQ(reply.events(1).message(), "event 3");
  rpc::GetEventsRequest by_entity;
  by_entity.set_entity_id(actor.entity_id());
  rpc::GetEventsReply one;
  events.HandleGetEvents(by_entity, &one, Ignore());
  ASSERT_EQ(one.events_size(), 1);
  EXPECT_EQ(one.events(0).state(), "DEAD");
}

TEST(GcsEventManagerTest, KeepsTheLastAttemptsOfEachJob) {
  gcs::GcsEventManagerOptions options;
  options.max_task_attempts_per_job = 2;
  gcs::GcsEventManager events(options);
  std::string job_a = JobID::FromInt(1).Binary(), job_b = JobID::FromInt(2).Binary();
  std::vector<std::string> tasks;
  for (int i = 0; i < 3; i++) {
    tasks.push_back(TaskID::FromRandom().Binary());
    events.AddTaskEvent(TaskEventOf(job_a, tasks.back(), 0, "SUBMITTED", 100 + i));
  }
  std::string other = TaskID::FromRandom().Binary();
  events.AddTaskEvent(TaskEventOf(job_b, other, 0, "SUBMITTED", 50));
  EXPECT_EQ(events.num_task_attempts(job_a), 2u);
  EXPECT_EQ(events.num_task_attempts(job_b), 1u);  // another job's tasks are not pushed out
  EXPECT_EQ(events.FindAttempt(tasks[0], 0), nullptr);  // the oldest went
  EXPECT_NE(events.FindAttempt(tasks[2], 0), nullptr);
  rpc::GetTaskAttemptsRequest request;
  request.set_job_id(job_a);
  rpc::GetTaskAttemptsReply reply;
  events.HandleGetTaskAttempts(request, &reply, Ignore());
  ASSERT_EQ(reply.attempts_size(), 2);
  EXPECT_EQ(reply.attempts(0).task_id(), tasks[1]);
  EXPECT_EQ(reply.dropped(), 1);
}

TEST(GcsEventManagerTest, MergesEventsArrivingOutOfOrder) {
  gcs::GcsEventManager events;
  std::string job = JobID::FromInt(1).Binary(), task = TaskID::FromRandom().Binary();
  rpc::TaskEvent submitted = TaskEventOf(job, task, 1, "SUBMITTED", 10);
  submitted.set_name("f");
  events.AddTaskEvent(submitted);
  events.AddTaskEvent(TaskEventOf(job, task, 1, "FINISHED", 40));  // the owner's, first
  rpc::TaskEvent running = TaskEventOf(job, task, 1, "RUNNING", 20);
  running.set_pid(4242);
  running.set_node_id(NodeID::FromRandom().Binary());
  events.AddTaskEvent(running);
  events.AddTaskEvent(TaskEventOf(job, task, 1, "EXECUTED", 30));
  const rpc::TaskAttempt* a = events.FindAttempt(task, 1);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->state(), "FINISHED");  // never moved back by the executor's late events
  EXPECT_EQ(a->name(), "f");
  EXPECT_EQ(a->pid(), 4242);
  EXPECT_EQ(a->state_times_us().at("RUNNING"), 20);
  EXPECT_EQ(a->state_times_us().at("EXECUTED"), 30);
  EXPECT_EQ(a->state_times_us().size(), 4u);
  // A failed attempt stays failed when a FINISHED of the same rank comes later.
  events.AddTaskEvent(TaskEventOf(job, task, 2, "FAILED", 50));
  events.AddTaskEvent(TaskEventOf(job, task, 2, "FINISHED", 60));
  EXPECT_EQ(events.FindAttempt(task, 2)->state(), "FAILED");
}

TEST(GcsEventManagerTest, AddEventsCountsWhatSendersDropped) {
  gcs::GcsEventManager events;
  rpc::AddEventsRequest request;
  *request.add_task_events() =
      TaskEventOf(JobID::FromInt(3).Binary(), TaskID::FromRandom().Binary(), 0, "SUBMITTED", 1);
  request.set_dropped_task_events(7);
  events.HandleAddEvents(request, nullptr, Ignore());
  rpc::GetTaskAttemptsReply reply;
  events.HandleGetTaskAttempts(rpc::GetTaskAttemptsRequest(), &reply, Ignore());
  EXPECT_EQ(reply.attempts_size(), 1);
  EXPECT_EQ(reply.dropped(), 7);
}

rpc::TaskSpec Spec(int attempt = 0) {
  rpc::TaskSpec spec;
  spec.set_task_id(TaskID::FromRandom().Binary());
  spec.set_job_id(JobID::FromInt(1).Binary());
  spec.set_name("square");
  spec.set_attempt_number(attempt);
  spec.mutable_function()->mutable_python()->set_module_name("m");
  spec.mutable_function()->mutable_python()->set_qualname("square");
  return spec;
}

struct FakeSender {
  std::vector<rpc::AddEventsRequest> sent;
  bool fail = false;
  TaskEventBuffer::Sender Fn() {
    return [this](const rpc::AddEventsRequest& request) {
      if (fail) return Status::Unavailable("GCS away");
      sent.push_back(request);
      return Status::OK();
    };
  }
};

TaskEventBufferOptions Manual(size_t max_buffered = 100) {
  TaskEventBufferOptions options;
  options.flush_interval_ms = 3600 * 1000;  // flushed by the test only
  options.max_buffered = max_buffered;
  return options;
}

TEST(TaskEventBufferTest, SendsRecordedEventsInOneBatch) {
  FakeSender sender;
  TaskEventBuffer buffer(Manual(), sender.Fn());
  rpc::TaskSpec spec = Spec();
  buffer.RecordSubmitted(spec);
  rpc::Address worker;
  worker.set_node_id(NodeID::FromRandom().Binary());
  worker.set_worker_id(WorkerID::FromRandom().Binary());
  buffer.RecordLeased(spec, worker);
  buffer.RecordState(spec, "FINISHED");
  EXPECT_EQ(buffer.num_buffered(), 3u);
  EXPECT_TRUE(sender.sent.empty());  // recording sends nothing
  buffer.Flush();
  ASSERT_EQ(sender.sent.size(), 1u);
  const auto& events = sender.sent[0].task_events();
  ASSERT_EQ(events.size(), 3);
  EXPECT_EQ(events[0].state(), "SUBMITTED");
  EXPECT_EQ(events[0].func(), "m.square");
  EXPECT_EQ(events[1].worker_id(), worker.worker_id());
  EXPECT_EQ(events[2].state(), "FINISHED");
  buffer.Flush();  // nothing new: nothing sent
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST(TaskEventBufferTest, KeepsABatchTheGcsDidNotTake) {
  FakeSender sender;
  TaskEventBuffer buffer(Manual(), sender.Fn());
  sender.fail = true;
  buffer.RecordSubmitted(Spec());
  buffer.Flush();
  EXPECT_TRUE(sender.sent.empty());
  sender.fail = false;
  buffer.RecordSubmitted(Spec());
  buffer.Flush();
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].task_events_size(), 2);
  EXPECT_EQ(sender.sent[0].dropped_task_events(), 0);
}

TEST(TaskEventBufferTest, DropsTheOldestWhenFullAndSaysHowMany) {
  FakeSender sender;
  TaskEventBuffer buffer(Manual(3), sender.Fn());
  std::vector<rpc::TaskSpec> specs;
  for (int i = 0; i < 5; i++) {
    specs.push_back(Spec());
    buffer.RecordSubmitted(specs.back());
  }
  EXPECT_EQ(buffer.num_buffered(), 3u);
  EXPECT_EQ(buffer.num_dropped(), 2);
  buffer.Flush();
  ASSERT_EQ(sender.sent.size(), 1u);
  ASSERT_EQ(sender.sent[0].task_events_size(), 3);
  EXPECT_EQ(sender.sent[0].task_events(0).task_id(), specs[2].task_id());
  EXPECT_EQ(sender.sent[0].dropped_task_events(), 2);
}

TEST(TaskEventBufferTest, RecordsNothingWhenSwitchedOff) {
  FakeSender sender;
  TaskEventBufferOptions options = Manual();
  options.enabled = false;
  TaskEventBuffer buffer(options, sender.Fn());
  buffer.RecordSubmitted(Spec());
  buffer.Start();
  buffer.Stop();
  EXPECT_EQ(buffer.num_buffered(), 0u);
  EXPECT_TRUE(sender.sent.empty());
}

TEST(TaskEventBufferTest, OptionsComeFromTheEnvironment) {
  setenv("COLONY_TASK_EVENTS", "0", 1);
  setenv("COLONY_TASK_EVENTS_FLUSH_MS", "250", 1);
  TaskEventBufferOptions options = TaskEventBufferOptions::FromEnv();
  EXPECT_FALSE(options.enabled);
  EXPECT_EQ(options.flush_interval_ms, 250);
  setenv("COLONY_TASK_EVENTS", "1", 1);
  EXPECT_TRUE(TaskEventBufferOptions::FromEnv().enabled);
  unsetenv("COLONY_TASK_EVENTS");
  unsetenv("COLONY_TASK_EVENTS_FLUSH_MS");
}

TEST(TaskEventBufferTest, TheFlushThreadSendsAndStopFlushesTheRest) {
  FakeSender sender;
  TaskEventBufferOptions options = Manual();
  options.flush_interval_ms = 20;
  TaskEventBuffer buffer(options, sender.Fn());
  buffer.Start();
  buffer.RecordSubmitted(Spec());
  buffer.Stop();  // whatever the thread did not send yet, Stop sends
  int total = 0;
  for (const auto& request : sender.sent) total += request.task_events_size();
  EXPECT_EQ(total, 1);
}

std::string TempDir() {
  char tmpl[] = "/tmp/colony_events_test_XXXXXX";
  return std::string(mkdtemp(tmpl));
}

TEST(EventLogTest, WritesOneJsonLinePerEventWithHexIds) {
  std::string dir = TempDir() + "/logs/events";  // created on demand
  FakeSender sender;
  TaskEventBuffer buffer(Manual(), sender.Fn());
  buffer.SetLogDir(dir);
  rpc::TaskSpec spec = Spec();
  buffer.RecordFailed(spec, nullptr, "WORKER_DIED", "the worker \"died\"\nbadly");
  buffer.Flush();
  std::ifstream in(dir + "/events_CORE_WORKER_" + std::to_string(getpid()) + ".jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"task_id\":\"" + TaskID::FromBinary(spec.task_id()).Hex() + "\""),
            std::string::npos);
  EXPECT_NE(line.find("\"state\":\"FAILED\""), std::string::npos);
  EXPECT_NE(line.find("the worker \\\"died\\\"\\nbadly"), std::string::npos);
  EXPECT_FALSE(std::getline(in, line));  // one event, one line
}

TEST(EventLogTest, TheGcsWritesItsOwnEvents) {
  std::string dir = TempDir();
  gcs::GcsEventManagerOptions options;
  options.log_dir = dir;
  gcs::GcsEventManager events(options);
  rpc::Event e = NodeEvent(1);
  (*e.mutable_fields())["ip"] = "10.0.0.1";
  events.Record(e);
  std::ifstream in(dir + "/events_GCS_" + std::to_string(getpid()) + ".jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"kind\":\"NODE\""), std::string::npos);
  EXPECT_NE(line.find("\"field.ip\":\"10.0.0.1\""), std::string::npos);
  EXPECT_NE(line.find("\"source\":\"GCS\""), std::string::npos);
}

}  // namespace
}  // namespace colony
