// WorkerContext: how a core worker names its children and puts from the running task,
// what a task's start resets and keeps, and max_calls counting.
#include "core_worker/worker_context.h"

#include <gtest/gtest.h>

#include <cstring>

namespace colony {
namespace {

rpc::TaskSpec RunningTask(const JobID& job, uint64_t index, rpc::TaskType type = rpc::NORMAL_TASK) {
  rpc::TaskSpec spec;
  spec.set_task_id(TaskID::ForNormalTask(job, TaskID::ForDriver(job), index).Binary());
  spec.set_type(type);
  return spec;
}

TEST(WorkerContextTest, ADriverWithoutANamespaceGetsAnAnonymousOne) {
  WorkerContext a(/*is_driver=*/true, "");
  WorkerContext b(/*is_driver=*/true, "");
  EXPECT_EQ(a.namespace_name().rfind("anonymous-", 0), 0u);
  EXPECT_NE(a.namespace_name(), b.namespace_name());
  EXPECT_EQ(WorkerContext(true, "ns").namespace_name(), "ns");
  EXPECT_EQ(WorkerContext(false, "").namespace_name(), "");  // a worker takes its tasks'
}

TEST(WorkerContextTest, ChildrenAndPutsAreNumberedFromTheJobRoot) {
  JobID job = JobID::FromInt(7);
  WorkerContext context(true, "ns");
  context.StartJob(job);
  // The job's root task: random, but of this job, and the same until a task runs.
  TaskID root = context.current_task_id();
  EXPECT_EQ(std::memcmp(root.data() + 12, job.data(), 4), 0);
  EXPECT_EQ(context.current_task_id(), root);
  rpc::TaskSpec first, second;
  EXPECT_EQ(context.NextChildTask(&first), TaskID::ForNormalTask(job, root, 1));
  EXPECT_EQ(context.NextChildTask(&second), TaskID::ForNormalTask(job, root, 2));
  EXPECT_EQ(first.parent_task_id(), root.Binary());
  EXPECT_EQ(context.NextPutId(), ObjectID::ForPut(root, 1));
  EXPECT_EQ(context.NextPutId(), ObjectID::ForPut(root, 2));
}

TEST(WorkerContextTest, ATaskStartResetsTheCountersAndSetsItsNamespace) {
  JobID job = JobID::FromInt(7);
  WorkerContext context(false, "");
  context.StartJob(job);
  rpc::TaskSpec child;
  context.NextChildTask(&child);
  (void)context.NextPutId();
  rpc::TaskSpec task = RunningTask(job, 9);
  task.set_namespace_("their-ns");
  context.BeginTask(task);
  TaskID running = TaskID::FromBinary(task.task_id());
  EXPECT_EQ(context.current_task_id(), running);
  EXPECT_EQ(context.namespace_name(), "their-ns");
  rpc::TaskSpec grandchild;
  EXPECT_EQ(context.NextChildTask(&grandchild), TaskID::ForNormalTask(job, running, 1));
  EXPECT_EQ(grandchild.parent_task_id(), running.Binary());
  EXPECT_EQ(context.NextPutId(), ObjectID::ForPut(running, 1));
  // A task naming no namespace keeps the one before.
  context.BeginTask(RunningTask(job, 10));
  EXPECT_EQ(context.namespace_name(), "their-ns");
}

TEST(WorkerContextTest, MaxCallsCountsNormalTasksPerFunction) {
  JobID job = JobID::FromInt(7);
  WorkerContext context(false, "");
  rpc::TaskSpec f = RunningTask(job, 1);
  f.set_max_calls(2);
  f.mutable_function()->mutable_python()->set_qualname("f");
  rpc::TaskSpec g = f;
  g.mutable_function()->mutable_python()->set_qualname("g");
  EXPECT_FALSE(context.ReachedMaxCalls(f));
  EXPECT_FALSE(context.ReachedMaxCalls(g));
  EXPECT_TRUE(context.ReachedMaxCalls(f));
  rpc::TaskSpec unlimited = RunningTask(job, 2);
  for (int i = 0; i < 3; i++) EXPECT_FALSE(context.ReachedMaxCalls(unlimited));
  rpc::TaskSpec actor_call = RunningTask(job, 3, rpc::ACTOR_TASK);
  actor_call.set_max_calls(1);
  EXPECT_FALSE(context.ReachedMaxCalls(actor_call));
}

}  // namespace
}  // namespace colony
