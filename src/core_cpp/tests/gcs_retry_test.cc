// rpc/gcs_retry: which failures are retried, for how long, and what the caller is told.
#include <gtest/gtest.h>

#include "rpc/gcs_retry.h"

namespace colony::rpc {
namespace {

TEST(GcsRetryTest, RetriesAnUnavailableGcsUntilItAnswers) {
  int attempts = 0;
  Status status = RetryGcsCall("KvPut", [&](int64_t timeout_ms) {
    EXPECT_LE(timeout_ms, 5000);
    return ++attempts < 3 ? Status::Unavailable("connection refused") : Status::OK();
  }, /*attempt_timeout_ms=*/5000, /*budget_ms=*/60000);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 3);
}

TEST(GcsRetryTest, ACallTheStoppingGcsCancelledIsAskedAgain) {
  int attempts = 0;
  Status status = RetryGcsCall("KvPut", [&](int64_t) {
    return ++attempts == 1 ? Status::Cancelled("Cancelled") : Status::OK();
  }, 5000, 60000);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 2);
}

TEST(GcsRetryTest, AnswersAreNotRetried) {
  for (Status answer : {Status::NotFound("no such actor"), Status::InvalidArgument("bad"),
                        Status::Unauthenticated("token")}) {
    int attempts = 0;
    Status status = RetryGcsCall("GetActorInfo", [&](int64_t) {
      attempts++;
      return answer;
    }, 5000, 60000);
    EXPECT_EQ(status.code(), answer.code());
    EXPECT_EQ(attempts, 1);
  }
}

TEST(GcsRetryTest, GivesUpAfterTheBudgetAndSaysSo) {
  int attempts = 0;
  Status status = RetryGcsCall("KvGet", [&](int64_t timeout_ms) {
    attempts++;
    EXPECT_GE(timeout_ms, 1);
    EXPECT_LE(timeout_ms, 400);  // never more than what is left of the budget
    return Status::TimedOut("Deadline Exceeded");
  }, 30000, /*budget_ms=*/400);
  EXPECT_EQ(status.code(), StatusCode::kTimedOut);
  EXPECT_GE(attempts, 2);
  EXPECT_NE(status.message().find("KvGet: the GCS did not answer for"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("COLONY_GCS_RECONNECT_TIMEOUT_S"), std::string::npos);
}

TEST(GcsRetryTest, BackoffDoublesToTwoSeconds) {
  GcsBackoff backoff;
  EXPECT_EQ(backoff.NextDelayMs(), 100);
  EXPECT_EQ(backoff.NextDelayMs(), 200);
  for (int i = 0; i < 10; i++) backoff.NextDelayMs();
  EXPECT_EQ(backoff.NextDelayMs(), 2000);
  EXPECT_TRUE(IsGcsUnavailable(Status::Unavailable("x")));
  EXPECT_TRUE(IsGcsUnavailable(Status::TimedOut("x")));
  EXPECT_FALSE(IsGcsUnavailable(Status::Internal("x")));
}

}  // namespace
}  // namespace colony::rpc
