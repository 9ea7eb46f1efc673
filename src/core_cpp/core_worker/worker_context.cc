#include "core_worker/worker_context.h"

#include "core_worker/placement_group_client.h"

namespace colony {

WorkerContext::WorkerContext(bool is_driver, const std::string& namespace_name)
    : namespace_(is_driver && namespace_name.empty()
                     ? "anonymous-" + WorkerID::FromRandom().Hex()
                     : namespace_name) {}

void WorkerContext::StartJob(const JobID& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  job_id_ = job_id;
  current_task_id_ = TaskID::ForDriver(job_id);
}

TaskID WorkerContext::NextChildTask(rpc::TaskSpec* spec) {
  std::lock_guard<std::mutex> lock(mu_);
  TaskID task_id = TaskID::ForNormalTask(job_id_, current_task_id_, ++task_index_);
  spec->set_parent_task_id(current_task_id_.Binary());
  ApplyPlacementGroup(spec, captured_strategy_);
  return task_id;
}

ObjectID WorkerContext::NextPutId() {
  std::lock_guard<std::mutex> lock(mu_);
  return ObjectID::ForPut(current_task_id_, ++put_index_);
}

void WorkerContext::BeginTask(const rpc::TaskSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  current_task_id_ = TaskID::FromBinary(spec.task_id());
  if (spec.type() != rpc::ACTOR_TASK) captured_strategy_ = CapturedStrategy(spec.scheduling_strategy());
  task_index_ = 0;
  put_index_ = 0;
  if (!spec.namespace_().empty()) namespace_ = spec.namespace_();
}

bool WorkerContext::ReachedMaxCalls(const rpc::TaskSpec& spec) {
  return spec.type() == rpc::NORMAL_TASK && spec.max_calls() > 0 &&
         ++calls_by_function_[spec.function().SerializeAsString()] >= spec.max_calls();
}

TaskID WorkerContext::current_task_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_task_id_;
}

std::string WorkerContext::namespace_name() const {
  std::lock_guard<std::mutex> lock(mu_);
  return namespace_;
}

}  // namespace colony
