#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/id.h"
#include "common/memcopy.h"
#include "common/resources.h"

namespace colony {

TEST(EventLoopTest, RunPendingWithAFrozenClockRunsWhatIsDueInOrder) {
  EventLoop loop;
  loop.FreezeTime();
  std::string ran;
  loop.PostDelayed([&] { ran += "d"; }, 50);
  loop.Post([&] {
    ran += "a";
    loop.Post([&] { ran += "b"; });  // posted by a handler: runs in the same pump
  });
  EXPECT_EQ(loop.RunPending(), 2u);
  EXPECT_EQ(ran, "ab");
  loop.AdvanceTime(49);
  EXPECT_EQ(loop.RunPending(), 0u);  // the clock stands still however long this took
  loop.AdvanceTime(1);
  EXPECT_EQ(loop.RunPending(), 1u);
  EXPECT_EQ(ran, "abd");
  loop.Stop();
  loop.Post([&] { ran += "x"; });
  EXPECT_EQ(loop.RunPending(), 0u);
}

TEST(IdTest, BinaryRoundTripAndNil) {
  auto id = NodeID::FromRandom();
  EXPECT_FALSE(id.IsNil());
  EXPECT_EQ(NodeID::FromBinary(id.Binary()), id);
  EXPECT_TRUE(NodeID::Nil().IsNil());
  EXPECT_EQ(id.Hex().size(), 2 * NodeID::kSize);
  EXPECT_TRUE(NodeID::FromBinary("short").IsNil());
}

TEST(IdTest, TaskIdsAreDeterministicAndCarryJob) {
  auto job = JobID::FromInt(7);
  EXPECT_EQ(job.ToInt(), 7u);
  auto parent = TaskID::ForDriver(job);
  auto a = TaskID::ForNormalTask(job, parent, 1);
  EXPECT_EQ(a, TaskID::ForNormalTask(job, parent, 1));
  EXPECT_NE(a, TaskID::ForNormalTask(job, parent, 2));
  EXPECT_EQ(a.job_id(), job);
  EXPECT_EQ(parent.job_id(), job);
}

TEST(IdTest, ObjectIdsEmbedTaskAndIndex) {
  auto task = TaskID::ForDriver(JobID::FromInt(1));
  auto ret = ObjectID::ForReturn(task, 2);
  auto put = ObjectID::ForPut(task, 2);
  EXPECT_EQ(ret.task_id(), task);
  EXPECT_EQ(ret.index(), 2u);
  EXPECT_FALSE(ret.IsPut());
  EXPECT_TRUE(put.IsPut());
  EXPECT_NE(ret, put);
}

TEST(ResourceSetTest, FractionalArithmeticIsExact) {
  auto total = ResourceSet::FromMap({{"CPU", 1.0}});
  auto tenth = ResourceSet::FromMap({{"CPU", 0.1}});
  auto avail = total;
  for (int i = 0; i < 10; i++) {
    ASSERT_TRUE(avail.Contains(tenth));
    avail -= tenth;
  }
  EXPECT_FALSE(avail.Contains(tenth));
  EXPECT_TRUE(avail.Empty());
  for (int i = 0; i < 10; i++) avail += tenth;
  EXPECT_EQ(avail, total);
}

// Found by src/core_cpp/fuzz/gcs_handlers_fuzzer: an actor asking for 1e300 CPUs (finite,
// so accepted) became INT64_MIN units, and the scheduler's subtraction overflowed (UB).
TEST(ResourceSetTest, AbsurdAmountsClampAndArithmeticSaturates) {
  ResourceSet huge = ResourceSet::FromMap({{"CPU", 1e300}, {"GPU", -1e300}, {"X", std::nan("")}});
  EXPECT_EQ(huge.Get("CPU"), kMaxResourceAmount);
  EXPECT_EQ(huge.Get("GPU"), -kMaxResourceAmount);
  EXPECT_EQ(huge.GetUnits("X"), 0);
  ResourceSet node = ResourceSet::FromMap({{"CPU", 4}});
  EXPECT_FALSE(node.Contains(huge));
  ResourceSet many = huge;
  for (int i = 0; i < 20000; i++) many += huge;  // far past INT64_MAX units: saturates
  EXPECT_EQ(many.GetUnits("CPU"), INT64_MAX);
  EXPECT_EQ(many.GetUnits("GPU"), INT64_MIN);
  many -= ResourceSet::FromMap({{"GPU", 1}});
  EXPECT_EQ(many.GetUnits("GPU"), INT64_MIN);
  node -= many;
  EXPECT_EQ(node.GetUnits("CPU"), 4 * ResourceSet::kUnit - INT64_MAX);
  EXPECT_EQ(node.GetUnits("GPU"), INT64_MAX);

  EXPECT_TRUE(ValidateResourceAmount("resources", "CPU", 4).ok());
  EXPECT_TRUE(ValidateResourceAmount("resources_available", "CPU", -2, true).ok());
  for (double bad : {-1.0, std::nan(""), static_cast<double>(INFINITY), 1e300}) {
    Status status = ValidateResourceAmount("resources_total", "CPU", bad);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("resources_total[\"CPU\"]"), std::string::npos) << status.message();
  }
  EXPECT_FALSE(ValidateResourceAmount("resources_available", "CPU", -1e300, true).ok());
}

TEST(ResourceSetTest, ContainsChecksEveryResource) {
  auto node = ResourceSet::FromMap({{"CPU", 4}, {"GPU", 1}, {"custom", 2}});
  EXPECT_TRUE(node.Contains(ResourceSet::FromMap({{"CPU", 4}, {"custom", 2}})));
  EXPECT_FALSE(node.Contains(ResourceSet::FromMap({{"CPU", 1}, {"TPU", 1}})));
  EXPECT_FALSE(node.Contains(ResourceSet::FromMap({{"GPU", 1.5}})));
  EXPECT_EQ(node.DescribeShortfall(ResourceSet::FromMap({{"CPU", 8}})), "CPU: requested 8, have 4");
  EXPECT_TRUE(node.Contains(ResourceSet()));
}

}  // namespace colony

namespace colony {
namespace {

TEST(CommonMemcopyTest, CopiesEveryByteWhateverTheSizeAndAlignment) {
  std::vector<uint8_t> src(70 << 20), dst(70 << 20);
  for (size_t i = 0; i < src.size(); i++) src[i] = static_cast<uint8_t>(i * 131 + 7);
  for (size_t size : {size_t{0}, size_t{5}, size_t{4096}, size_t{1} << 20, (size_t{1} << 20) + 77,
                      size_t{69} << 20}) {
    for (size_t dst_off : {0, 3, 64}) {
      for (size_t src_off : {0, 16, 33}) {
        if (size + 64 > src.size()) continue;
        std::fill(dst.begin(), dst.end(), 0);
        CopyLarge(dst.data() + dst_off, src.data() + src_off, size);
        ASSERT_EQ(std::memcmp(dst.data() + dst_off, src.data() + src_off, size), 0)
            << size << " " << dst_off << " " << src_off;
        if (dst_off + size < dst.size()) ASSERT_EQ(dst[dst_off + size], 0);  // no overrun
      }
    }
  }
}

}  // namespace
}  // namespace colony
