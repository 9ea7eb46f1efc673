// Head address lists (a standby GCS beside the leader): parsing and the gRPC target.
#include "rpc/head_addresses.h"

#include <gtest/gtest.h>

namespace colony::rpc {
namespace {

TEST(HeadAddressesTest, OneAddressIsUsedAsItIs) {
  EXPECT_EQ(*ChannelTarget("10.0.0.5:6380"), "10.0.0.5:6380");
  EXPECT_EQ(*ChannelTarget("localhost:6380"), "localhost:6380");
}

TEST(HeadAddressesTest, AListBecomesAStaticIpv4TargetWithHostsResolved) {
  auto target = ChannelTarget("10.0.0.5:6380,localhost:6381");
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(*target, "ipv4:10.0.0.5:6380,127.0.0.1:6381");
  auto entries = SplitHeadAddresses("a:1,b:2,c:65535");
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(*entries, (std::vector<std::string>{"a:1", "b:2", "c:65535"}));
}

TEST(HeadAddressesTest, BadEntriesAreNamed) {
  for (const char* bad : {"10.0.0.5:6380,", "10.0.0.5:6380,:1", "10.0.0.5:6380,x",
                          "10.0.0.5:6380,x:0", "10.0.0.5:6380,x:70000", "x:1x,y:2"}) {
    auto target = ChannelTarget(bad);
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_EQ(target.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(target.status().message().find("invalid head address"), std::string::npos)
        << target.status().message();
  }
  auto unknown = ChannelTarget("10.0.0.5:6380,no-such-host.invalid:1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace colony::rpc
