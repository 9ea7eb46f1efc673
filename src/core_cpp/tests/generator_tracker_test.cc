#include "core_worker/generator_tracker.h"

#include <gtest/gtest.h>

#include <thread>

namespace colony {
namespace {

TaskID SomeTask() { return TaskID::ForNormalTask(JobID::FromInt(1), TaskID::Nil(), 7); }

struct Replies {
  std::vector<int> stops;  // 1 = stop, 0 = go on, in the order replies ran
  GeneratorTracker::ReportReply Next() {
    return [this](bool stop) { stops.push_back(stop ? 1 : 0); };
  }
};

TEST(GeneratorTrackerTest, ItemsAreSeenInOrderThenTheEnd) {
  GeneratorTracker tracker;
  TaskID task = SomeTask();
  tracker.Add(task, 0);
  Replies replies;
  EXPECT_EQ(tracker.OnItem(task, 0, nullptr, replies.Next()), GeneratorTracker::Report::kNew);
  EXPECT_EQ(tracker.OnItem(task, 1, nullptr, replies.Next()), GeneratorTracker::Report::kNew);
  EXPECT_EQ(replies.stops, (std::vector<int>{0, 0}));  // no back-pressure: answered at once
  auto first = tracker.WaitNext(task, 0, 0);
  EXPECT_EQ(first.kind, GeneratorTracker::Next::kItem);
  EXPECT_EQ(first.id, GeneratorItemId(task, 0));
  EXPECT_EQ(tracker.WaitNext(task, 2, 0).kind, GeneratorTracker::Next::kTimedOut);
  tracker.OnEnded(task);
  EXPECT_EQ(tracker.WaitNext(task, 1, 0).kind, GeneratorTracker::Next::kItem);
  EXPECT_EQ(tracker.WaitNext(task, 2, 0).kind, GeneratorTracker::Next::kEnd);
}

TEST(GeneratorTrackerTest, ARetriedAttemptsRepeatsAreDuplicates) {
  GeneratorTracker tracker;
  TaskID task = SomeTask();
  tracker.Add(task, 0);
  Replies replies;
  tracker.OnItem(task, 0, nullptr, replies.Next());
  tracker.OnItem(task, 1, nullptr, replies.Next());
  EXPECT_EQ(tracker.OnItem(task, 0, nullptr, replies.Next()),
            GeneratorTracker::Report::kDuplicate);
  EXPECT_EQ(tracker.OnItem(task, 1, nullptr, replies.Next()),
            GeneratorTracker::Report::kDuplicate);
  EXPECT_EQ(tracker.OnItem(task, 2, nullptr, replies.Next()), GeneratorTracker::Report::kNew);
  EXPECT_EQ(replies.stops.size(), 5u);
}

TEST(GeneratorTrackerTest, BackPressureHoldsTheReportUntilTheCallerConsumes) {
  GeneratorTracker tracker;
  TaskID task = SomeTask();
  tracker.Add(task, 2);
  Replies replies;
  tracker.OnItem(task, 0, nullptr, replies.Next());
  EXPECT_EQ(replies.stops.size(), 1u);  // one unconsumed item: under the window of 2
  tracker.OnItem(task, 1, nullptr, replies.Next());
  EXPECT_EQ(replies.stops.size(), 1u);  // two unconsumed: the executor waits
  tracker.Consumed(task, 0);
  EXPECT_EQ(replies.stops, (std::vector<int>{0, 0}));
  tracker.OnItem(task, 2, nullptr, replies.Next());
  EXPECT_EQ(replies.stops.size(), 2u);
  tracker.Consumed(task, 2);  // the caller took several at once
  EXPECT_EQ(replies.stops, (std::vector<int>{0, 0, 0}));
}

TEST(GeneratorTrackerTest, StopAnswersHeldAndLaterReportsWithStop) {
  GeneratorTracker tracker;
  TaskID task = SomeTask();
  tracker.Add(task, 1);
  Replies replies;
  tracker.OnItem(task, 0, nullptr, replies.Next());
  tracker.Consumed(task, 0);
  tracker.OnItem(task, 1, nullptr, replies.Next());
  tracker.OnItem(task, 2, nullptr, replies.Next());  // (a held report; a real executor waits)
  std::vector<ObjectID> unconsumed = tracker.Stop(task, /*forget=*/false);
  EXPECT_EQ(unconsumed,
            (std::vector<ObjectID>{GeneratorItemId(task, 1), GeneratorItemId(task, 2)}));
  EXPECT_EQ(replies.stops, (std::vector<int>{0, 1, 1}));
  EXPECT_EQ(tracker.WaitNext(task, 1, 0).kind, GeneratorTracker::Next::kEnd);  // dropped
  EXPECT_EQ(tracker.OnItem(task, 3, nullptr, replies.Next()),
            GeneratorTracker::Report::kUnwanted);
  EXPECT_EQ(replies.stops.back(), 1);
  tracker.Stop(task, /*forget=*/true);
  EXPECT_EQ(tracker.NumTracked(), 0u);
  EXPECT_EQ(tracker.WaitNext(task, 0, 0).kind, GeneratorTracker::Next::kUnknown);
}

TEST(GeneratorTrackerTest, EndReleasesAHeldReport) {
  GeneratorTracker tracker;
  TaskID task = SomeTask();
  tracker.Add(task, 1);
  Replies replies;
  tracker.OnItem(task, 0, nullptr, replies.Next());
  EXPECT_TRUE(replies.stops.empty());
  tracker.OnEnded(task);  // e.g. the attempt's worker died while its report was held
  EXPECT_EQ(replies.stops, (std::vector<int>{1}));
}

TEST(GeneratorTrackerTest, WaitNextWakesWhenAnItemArrives) {
  GeneratorTracker tracker;
  TaskID task = SomeTask();
  tracker.Add(task, 0);
  std::thread reporter([&] { tracker.OnItem(task, 0, nullptr, [](bool) {}); });
  auto next = tracker.WaitNext(task, 0, -1);
  reporter.join();
  EXPECT_EQ(next.kind, GeneratorTracker::Next::kItem);
}

TEST(GeneratorTrackerTest, UnknownGeneratorsAreToldToStop) {
  GeneratorTracker tracker;
  Replies replies;
  EXPECT_EQ(tracker.OnItem(SomeTask(), 0, nullptr, replies.Next()),
            GeneratorTracker::Report::kUnwanted);
  EXPECT_EQ(replies.stops, (std::vector<int>{1}));
}

}  // namespace
}  // namespace colony
