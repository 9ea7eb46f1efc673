// Worker output to the driver and node log files: the GCS's per-job log buffer and long
// poll, the raylet's log monitor (line splitting, markers, batches), the worker log index
// and file service, and the driver's folding of repeats and subscriber. Driven directly,
// with fakes at the seams (LogSink, LogSource); real files in a temporary folder.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "core_worker/log_deduplicator.h"
#include "core_worker/log_subscriber.h"
#include "gcs/gcs_log_publisher.h"
#include "raylet/log_file_service.h"
#include "raylet/log_monitor.h"
#include "raylet/worker_log_index.h"

namespace colony {
namespace {

using std::chrono::milliseconds;

struct CapturedReply {
  std::shared_ptr<std::promise<Status>> promise = std::make_shared<std::promise<Status>>();
  std::future<Status> done = promise->get_future();
  rpc::SendReply Send() {
    return [p = promise](Status status) { p->set_value(std::move(status)); };
  }
  bool Ready() { return done.wait_for(milliseconds(0)) == std::future_status::ready; }
};

rpc::LogBatch Batch(const JobID& job, std::vector<std::string> lines, int pid = 7,
                    const std::string& name = "square") {
  rpc::LogBatch batch;
  batch.set_job_id(job.Binary());
  batch.set_node_id(NodeID::FromRandom().Binary());
  batch.set_pid(pid);
  batch.set_task_name(name);
  for (auto& line : lines) batch.add_lines(line);
  return batch;
}

Status Publish(gcs::GcsLogPublisher* publisher, std::vector<rpc::LogBatch> batches) {
  rpc::PublishLogsRequest request;
  for (auto& b : batches) *request.add_batches() = b;
  rpc::PublishLogsReply reply;
  CapturedReply done;
  publisher->HandlePublishLogs(request, &reply, done.Send());
  return done.done.get();
}

std::vector<std::string> LinesOf(const rpc::PollLogsReply& reply) {
  std::vector<std::string> out;
  for (const auto& batch : reply.batches()) {
    for (const auto& line : batch.lines()) out.push_back(line);
  }
  return out;
}

// ---- GCS: per-job buffer and long poll

TEST(GcsLogPublisherTest, PollAnswersAtOnceWithTheJobsLinesOnly) {
  EventLoop loop;
  gcs::GcsLogPublisher publisher(&loop);
  JobID mine = JobID::FromInt(1), other = JobID::FromInt(2);
  ASSERT_TRUE(Publish(&publisher, {Batch(mine, {"a", "b"}), Batch(other, {"secret"}),
                                   Batch(mine, {"c"})}).ok());
  rpc::PollLogsRequest request;
  request.set_job_id(mine.Binary());
  rpc::PollLogsReply reply;
  CapturedReply done;
  publisher.HandlePollLogs(request, &reply, done.Send());
  ASSERT_TRUE(done.Ready());
  EXPECT_EQ(LinesOf(reply), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(reply.sequence(), 3);
  EXPECT_EQ(reply.dropped(), 0);

  request.set_after_sequence(2);
  rpc::PollLogsReply later;
  CapturedReply later_done;
  publisher.HandlePollLogs(request, &later, later_done.Send());
  ASSERT_TRUE(later_done.Ready());
  EXPECT_EQ(LinesOf(later), (std::vector<std::string>{"c"}));
}

TEST(GcsLogPublisherTest, HeldPollWokenByItsJobNotByAnother) {
  EventLoop loop;
  loop.FreezeTime();
  gcs::GcsLogPublisher publisher(&loop);
  JobID mine = JobID::FromInt(1), other = JobID::FromInt(2);
  rpc::PollLogsRequest request;
  request.set_job_id(mine.Binary());
  rpc::PollLogsReply reply;
  CapturedReply done;
  publisher.HandlePollLogs(request, &reply, done.Send());
  EXPECT_FALSE(done.Ready());
  ASSERT_TRUE(Publish(&publisher, {Batch(other, {"not for you"})}).ok());
  EXPECT_FALSE(done.Ready());
  ASSERT_TRUE(Publish(&publisher, {Batch(mine, {"hello"})}).ok());
  ASSERT_TRUE(done.Ready());
  EXPECT_EQ(LinesOf(reply), (std::vector<std::string>{"hello"}));
}

TEST(GcsLogPublisherTest, HeldPollTimesOutEmptyAndLeavesNoBuffer) {
  EventLoop loop;
  loop.FreezeTime();
  gcs::GcsLogPublisherOptions options;
  options.poll_timeout_ms = 1000;
  gcs::GcsLogPublisher publisher(&loop, options);
  rpc::PollLogsRequest request;
  request.set_job_id(JobID::FromInt(9).Binary());
  rpc::PollLogsReply reply;
  CapturedReply done;
  publisher.HandlePollLogs(request, &reply, done.Send());
  loop.AdvanceTime(999);
  loop.RunPending();
  EXPECT_FALSE(done.Ready());
  loop.AdvanceTime(1);
  loop.RunPending();
  ASSERT_TRUE(done.Ready());
  EXPECT_EQ(reply.batches_size(), 0);
  EXPECT_EQ(publisher.num_jobs(), 0u);
}

TEST(GcsLogPublisherTest, BoundedBufferTellsALatePollerWhatItMissed) {
  EventLoop loop;
  gcs::GcsLogPublisherOptions options;
  options.max_lines_per_job = 4;
  gcs::GcsLogPublisher publisher(&loop, options);
  JobID job = JobID::FromInt(3);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Publish(&publisher, {Batch(job, {"l" + std::to_string(2 * i),
                                                 "l" + std::to_string(2 * i + 1)})}).ok());
  }
  rpc::PollLogsRequest request;
  request.set_job_id(job.Binary());
  rpc::PollLogsReply reply;
  CapturedReply done;
  publisher.HandlePollLogs(request, &reply, done.Send());
  ASSERT_TRUE(done.Ready());
  EXPECT_EQ(LinesOf(reply), (std::vector<std::string>{"l6", "l7", "l8", "l9"}));
  EXPECT_EQ(reply.dropped(), 6);
  EXPECT_EQ(reply.sequence(), 10);
}

TEST(GcsLogPublisherTest, RefusesBadJobIds) {
  EventLoop loop;
  gcs::GcsLogPublisher publisher(&loop);
  rpc::LogBatch bad = Batch(JobID::FromInt(1), {"x"});
  bad.set_job_id("toolong");
  Status status = Publish(&publisher, {bad});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("job_id"), std::string::npos);
  rpc::PollLogsRequest request;
  request.set_job_id("x");
  rpc::PollLogsReply reply;
  CapturedReply done;
  publisher.HandlePollLogs(request, &reply, done.Send());
  EXPECT_EQ(done.done.get().code(), StatusCode::kInvalidArgument);
}

TEST(GcsLogPublisherTest, FinishedJobsBufferGoesAfterItsTtl) {
  EventLoop loop;
  loop.FreezeTime();
  gcs::GcsLogPublisherOptions options;
  options.finished_job_ttl_ms = 100;
  gcs::GcsLogPublisher publisher(&loop, options);
  JobID job = JobID::FromInt(4);
  ASSERT_TRUE(Publish(&publisher, {Batch(job, {"last words"})}).ok());
  publisher.OnJobFinished(job);
  EXPECT_EQ(publisher.num_jobs(), 1u);  // the driver's last poll still finds its lines
  loop.AdvanceTime(100);
  loop.RunPending();
  EXPECT_EQ(publisher.num_jobs(), 0u);
  // What a finished job's detached actor prints later has no driver: not kept.
  ASSERT_TRUE(Publish(&publisher, {Batch(job, {"from a detached actor"})}).ok());
  EXPECT_EQ(publisher.num_jobs(), 0u);
}

// ---- raylet: line splitting and markers

std::vector<std::pair<std::string, std::string>> Split(raylet::LogLineSplitter* splitter,
                                                       const std::string& data) {
  std::vector<std::pair<std::string, std::string>> out;
  splitter->Feed(data.data(), data.size(),
                 [&](const std::string& name, std::string line) { out.emplace_back(name, line); });
  return out;
}

TEST(LogLineSplitterTest, MarkersNameTheLinesAfterThemAndAreNotEmitted) {
  raylet::LogLineSplitter splitter(1024);
  auto out = Split(&splitter, "boot\n:colony-task:ab12:square\nhel");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], std::make_pair(std::string(), std::string("boot")));
  out = Split(&splitter, "lo\r\n:colony-actor:cd34:Counter\nx\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], std::make_pair(std::string("square"), std::string("hello")));
  EXPECT_EQ(out[1], std::make_pair(std::string("Counter"), std::string("x")));
}

TEST(LogLineSplitterTest, LongLinesAreCutAndTheLastPartialLineWaitsForFinish) {
  raylet::LogLineSplitter splitter(4);
  auto out = Split(&splitter, "abcdefghij");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].second, "abcd");
  EXPECT_EQ(out[1].second, "efgh");
  std::vector<std::string> rest;
  splitter.Finish([&](const std::string&, std::string line) { rest.push_back(line); });
  EXPECT_EQ(rest, (std::vector<std::string>{"ij"}));
}

// ---- raylet: the monitor over real files

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/colony_logs_test_XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }
  void Append(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name, std::ios::app) << text;
  }

 private:
  std::string path_;
};

class FakeSink : public raylet::LogSink {
 public:
  Status Publish(const rpc::PublishLogsRequest& request) override {
    for (const auto& batch : request.batches()) batches.push_back(batch);
    return Status::OK();
  }
  std::vector<rpc::LogBatch> batches;
};

rpc::WorkerLogInfo Worker(int pid, const JobID& job) {
  rpc::WorkerLogInfo info;
  info.set_pid(pid);
  info.set_job_id(job.Binary());
  info.add_worker_ids(WorkerID::FromRandom().Binary());
  info.set_out_file("worker-" + std::to_string(pid) + ".out");
  info.set_err_file("worker-" + std::to_string(pid) + ".err");
  return info;
}

TEST(LogMonitorTest, PublishesNewLinesPerProcessStreamAndTask) {
  TempDir dir;
  FakeSink sink;
  std::set<int> alive = {100, 200};
  raylet::LogMonitorOptions options;
  options.logs_dir = dir.path();
  options.node_id = NodeID::FromRandom();
  raylet::LogMonitor monitor(options, &sink, [&](pid_t pid) { return alive.count(pid) > 0; });
  JobID job1 = JobID::FromInt(1), job2 = JobID::FromInt(2);
  monitor.AddProcess(Worker(100, job1));
  monitor.AddProcess(Worker(200, job2));
  dir.Append("worker-100.out", ":colony-task:aa:square\nsquare got 1\nsquare got 2\n");
  dir.Append("worker-100.err", ":colony-task:aa:square\noops\n");
  dir.Append("worker-200.out", "other job\npartial");
  monitor.PollOnce();
  ASSERT_EQ(sink.batches.size(), 3u);
  EXPECT_EQ(sink.batches[0].job_id(), job1.Binary());
  EXPECT_EQ(sink.batches[0].task_name(), "square");
  EXPECT_FALSE(sink.batches[0].is_err());
  EXPECT_EQ(sink.batches[0].lines_size(), 2);
  EXPECT_EQ(sink.batches[0].node_id(), options.node_id.Binary());
  EXPECT_TRUE(sink.batches[1].is_err());
  EXPECT_EQ(sink.batches[1].lines(0), "oops");
  EXPECT_EQ(sink.batches[2].job_id(), job2.Binary());
  ASSERT_EQ(sink.batches[2].lines_size(), 1);  // "partial" waits for its newline
  sink.batches.clear();

  monitor.PollOnce();  // nothing new
  EXPECT_TRUE(sink.batches.empty());

  alive.erase(200);  // exited: its last line goes out and the process is dropped
  monitor.PollOnce();
  ASSERT_EQ(sink.batches.size(), 1u);
  EXPECT_EQ(sink.batches[0].lines(0), "partial");
  EXPECT_EQ(monitor.num_processes(), 1u);
}

// ---- raylet: the worker index and the file service

TEST(WorkerLogIndexTest, RoundTripsAndSkipsMalformedLines) {
  TempDir dir;
  raylet::WorkerLogIndex index(dir.path() + "/workers.index");
  rpc::WorkerLogInfo info = Worker(42, JobID::FromInt(5));
  info.add_worker_ids(WorkerID::FromRandom().Binary());
  info.set_language(rpc::JAVA);
  ASSERT_TRUE(index.Append(info).ok());
  dir.Append("workers.index", "garbage\tline\n1\t2\t3\t4\t../../etc/passwd\tx\ty\n");
  auto all = index.ReadAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].pid(), 42);
  EXPECT_EQ(all[0].language(), rpc::JAVA);
  EXPECT_EQ(all[0].worker_ids_size(), 2);
  EXPECT_EQ(all[0].job_id(), JobID::FromInt(5).Binary());
}

TEST(LogFileServiceTest, ListsAndReadsFilesOfTheLogsFolderOnly) {
  TempDir dir;
  dir.Append("raylet.log", "0123456789");
  raylet::WorkerLogIndex(dir.path() + "/workers.index").Append(Worker(7, JobID::FromInt(1)));
  NodeID node = NodeID::FromRandom();
  raylet::LogFileService service(dir.path(), node, "");
  rpc::ListLogsReply listing;
  ASSERT_TRUE(service.List(&listing).ok());
  EXPECT_EQ(listing.node_id(), node.Binary());
  ASSERT_EQ(listing.files_size(), 1);  // the index itself is not a log
  EXPECT_EQ(listing.files(0).name(), "raylet.log");
  EXPECT_EQ(listing.files(0).size(), 10u);
  ASSERT_EQ(listing.workers_size(), 1);

  rpc::ReadLogRequest request;
  request.set_name("raylet.log");
  request.set_offset(-4);
  rpc::ReadLogReply reply;
  ASSERT_TRUE(service.Read(request, &reply).ok());
  EXPECT_EQ(reply.data(), "6789");
  EXPECT_EQ(reply.offset(), 6u);
  EXPECT_EQ(reply.size(), 10u);
  request.set_offset(2);
  request.set_max_bytes(3);
  ASSERT_TRUE(service.Read(request, &reply).ok());
  EXPECT_EQ(reply.data(), "234");
  request.set_offset(INT64_MIN);  // all of it, no overflow
  request.set_max_bytes(0);
  ASSERT_TRUE(service.Read(request, &reply).ok());
  EXPECT_EQ(reply.data(), "0123456789");

  request.set_name("../raylet.log");
  EXPECT_EQ(service.Read(request, &reply).code(), StatusCode::kInvalidArgument);
  request.set_name("missing.log");
  Status missing = service.Read(request, &reply);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("missing.log"), std::string::npos);
}

// ---- driver: folding repeats, and the subscriber

std::vector<std::string> Texts(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

TEST(LogDeduplicatorTest, PrefixesLinesAndFoldsRepeatsWithinTheWindow) {
  LogDeduplicator dedup(1000);
  rpc::LogBatch a = Batch(JobID::FromInt(1), {"hello", "", "hello"}, 11, "square");
  a.set_node_id(HexToBytes("ab12cd34ef56ab12cd34ef56ab12cd34"));
  std::vector<LogLine> out;
  dedup.Add(a, 0, &out);
  EXPECT_EQ(Texts(out), (std::vector<std::string>{"(square pid=11 node=ab12cd34) hello",
                                                  "(square pid=11 node=ab12cd34) "}));
  out.clear();
  rpc::LogBatch b = Batch(JobID::FromInt(1), {"hello", "world"}, 12, "");
  b.set_node_id(a.node_id());
  dedup.Add(b, 500, &out);
  EXPECT_EQ(Texts(out), (std::vector<std::string>{"(pid=12 node=ab12cd34) world"}));
  out.clear();
  EXPECT_EQ(dedup.NextDeadlineMs(), 1000);
  dedup.Flush(999, &out);
  EXPECT_TRUE(out.empty());
  dedup.Flush(1000, &out);
  EXPECT_EQ(Texts(out), (std::vector<std::string>{
                            "(pid=12 node=ab12cd34) hello [repeated 2x across cluster]"}));
  out.clear();
  dedup.Add(b, 1200, &out);  // "hello" starts a new window; "world" is still in its own
  EXPECT_EQ(Texts(out), (std::vector<std::string>{"(pid=12 node=ab12cd34) hello"}));
}

TEST(LogDeduplicatorTest, ZeroWindowPrintsEverything) {
  LogDeduplicator dedup(0);
  std::vector<LogLine> out;
  dedup.Add(Batch(JobID::FromInt(1), {"x", "x", "x"}), 0, &out);
  EXPECT_EQ(out.size(), 3u);
  dedup.FlushAll(&out);
  EXPECT_EQ(out.size(), 3u);
}

class FakeSource : public LogSource {
 public:
  Status Poll(const JobID& job_id, int64_t after, rpc::PollLogsReply* reply) override {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return cancelled || !replies.empty(); });
    if (cancelled) return Status::Cancelled("stopped");
    polled_jobs.push_back(job_id);
    afters.push_back(after);
    *reply = replies.front();
    replies.pop_front();
    return Status::OK();
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu);
    cancelled = true;
    cv.notify_all();
  }
  void Give(rpc::PollLogsReply reply) {
    std::lock_guard<std::mutex> lock(mu);
    replies.push_back(std::move(reply));
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  std::deque<rpc::PollLogsReply> replies;
  std::vector<JobID> polled_jobs;
  std::vector<int64_t> afters;
  bool cancelled = false;
};

TEST(LogSubscriberTest, HandsOutLinesThenFoldedOnesAtStop) {
  auto source = std::make_unique<FakeSource>();
  FakeSource* fake = source.get();
  JobID job = JobID::FromInt(8);
  LogSubscriberOptions options;
  options.dedup_window_ms = 60000;
  LogSubscriber subscriber(std::move(source), job, options);
  subscriber.Start();
  rpc::PollLogsReply reply;
  *reply.add_batches() = Batch(job, {"x", "x"}, 5, "f");
  reply.set_sequence(2);
  reply.set_dropped(3);
  fake->Give(reply);
  std::vector<LogLine> out;
  // Waits (with a generous bound) until the poll thread has handed the reply over.
  for (int i = 0; i < 600 && out.size() < 2; ++i) ASSERT_TRUE(subscriber.Next(100, &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].text.find("3 lines of worker output were dropped"), std::string::npos);
  EXPECT_EQ(out[1].text.substr(0, 11), "(f pid=5 no");
  out.clear();
  subscriber.Stop();
  ASSERT_TRUE(subscriber.Next(0, &out));  // the folded repeat comes out at the end
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].text.find("x [repeated 1x across cluster]"), std::string::npos);
  out.clear();
  EXPECT_FALSE(subscriber.Next(0, &out));
  std::lock_guard<std::mutex> lock(fake->mu);
  ASSERT_FALSE(fake->polled_jobs.empty());
  EXPECT_EQ(fake->polled_jobs[0], job);
  EXPECT_EQ(fake->afters[0], 0);
}

}  // namespace
}  // namespace colony
