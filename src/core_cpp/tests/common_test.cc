#include <gtest/gtest.h>

#include "common/id.h"
#include "common/resources.h"

namespace colony {

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

TEST(ResourceSetTest, ContainsChecksEveryResource) {
  auto node = ResourceSet::FromMap({{"CPU", 4}, {"GPU", 1}, {"custom", 2}});
  EXPECT_TRUE(node.Contains(ResourceSet::FromMap({{"CPU", 4}, {"custom", 2}})));
  EXPECT_FALSE(node.Contains(ResourceSet::FromMap({{"CPU", 1}, {"TPU", 1}})));
  EXPECT_FALSE(node.Contains(ResourceSet::FromMap({{"GPU", 1.5}})));
  EXPECT_EQ(node.DescribeShortfall(ResourceSet::FromMap({{"CPU", 8}})), "CPU: requested 8, have 4");
  EXPECT_TRUE(node.Contains(ResourceSet()));
}

}  // namespace colony
