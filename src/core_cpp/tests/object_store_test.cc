// The shared-memory object store: allocator, wire protocol, and a real PlasmaStore on its own
// thread driven by real PlasmaClients (and one forked process) over a Unix socket.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "object_store/allocator.h"
#include "object_store/plasma_client.h"
#include "object_store/plasma_store.h"
#include "object_store/protocol.h"
#include "object_store/unix_socket.h"

namespace colony::plasma {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Allocator

TEST(AllocatorTest, AllocatesAndFreesBackToOneBlock) {
  Allocator allocator(4096);
  auto a = allocator.Allocate(100);
  auto b = allocator.Allocate(200);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(allocator.used_bytes(), 128u + 256u);
  EXPECT_EQ(allocator.AllocationSize(*a), 128u);
  ASSERT_TRUE(allocator.Free(*a).ok());
  ASSERT_TRUE(allocator.Free(*b).ok());
  EXPECT_EQ(allocator.used_bytes(), 0u);
  EXPECT_EQ(allocator.num_free_blocks(), 1u);
  EXPECT_EQ(allocator.largest_free_block(), 4096u);
}

TEST(AllocatorTest, CoalescesWithBothNeighbours) {
  Allocator allocator(64 * 4);
  std::vector<uint64_t> offsets;
  for (int i = 0; i < 4; ++i) offsets.push_back(*allocator.Allocate(64));
  EXPECT_EQ(allocator.free_bytes(), 0u);
  ASSERT_TRUE(allocator.Free(offsets[0]).ok());
  ASSERT_TRUE(allocator.Free(offsets[2]).ok());
  EXPECT_EQ(allocator.num_free_blocks(), 2u);
  EXPECT_EQ(allocator.largest_free_block(), 64u);
  ASSERT_TRUE(allocator.Free(offsets[1]).ok());  // joins the blocks on its left and right
  EXPECT_EQ(allocator.num_free_blocks(), 1u);
  EXPECT_EQ(allocator.largest_free_block(), 192u);
  ASSERT_TRUE(allocator.Free(offsets[3]).ok());
  EXPECT_EQ(allocator.largest_free_block(), 256u);
}

TEST(AllocatorTest, AlignsEveryBlockTo64Bytes) {
  Allocator allocator(1 * kMiB + 50);
  EXPECT_EQ(allocator.capacity(), 1 * kMiB);
  for (uint64_t size : {1u, 63u, 64u, 65u, 1000u, 4097u, 0u}) {
    auto offset = allocator.Allocate(size);
    ASSERT_TRUE(offset.ok());
    EXPECT_EQ(*offset % Allocator::kAlignment, 0u) << size;
    EXPECT_EQ(allocator.AllocationSize(*offset), std::max<uint64_t>(64, Allocator::AlignUp(size)));
  }
}

TEST(AllocatorTest, BestFitKeepsLargeBlocksWhole) {
  Allocator allocator(64 * 10);
  std::vector<uint64_t> o;
  for (int i = 0; i < 10; ++i) o.push_back(*allocator.Allocate(64));
  ASSERT_TRUE(allocator.Free(o[1]).ok());  // a 64-byte hole
  for (int i = 4; i < 8; ++i) ASSERT_TRUE(allocator.Free(o[i]).ok());  // a 256-byte hole
  auto small = allocator.Allocate(64);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small, o[1]);  // first fit would have split the big hole
  EXPECT_EQ(allocator.largest_free_block(), 256u);
}

TEST(AllocatorTest, ExhaustionReturnsObjectStoreFull) {
  Allocator allocator(1024);
  ASSERT_TRUE(allocator.Allocate(1000).ok());
  auto more = allocator.Allocate(64);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), StatusCode::kObjectStoreFull);
  EXPECT_NE(more.status().message().find("no free block of 64 bytes"), std::string::npos);
  EXPECT_EQ(allocator.Allocate(~0ull).status().code(), StatusCode::kInvalidArgument);
}

TEST(AllocatorTest, FreeOfUnknownOffsetIsAnError) {
  Allocator allocator(1024);
  auto a = allocator.Allocate(64);
  EXPECT_EQ(allocator.Free(*a + 64).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(allocator.Free(*a).ok());
  EXPECT_EQ(allocator.Free(*a).code(), StatusCode::kInvalidArgument);  // double free
}

TEST(AllocatorTest, ThousandsOfRandomOperationsKeepTheBooksStraight) {
  Allocator allocator(64 * kMiB);
  std::mt19937 rng(42);
  std::vector<std::pair<uint64_t, uint64_t>> live;  // offset, size
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      uint64_t size = 1 + rng() % (64 * kKiB);
      auto offset = allocator.Allocate(size);
      if (!offset.ok()) continue;
      live.emplace_back(*offset, allocator.AllocationSize(*offset));
    } else {
      size_t pick = rng() % live.size();
      ASSERT_TRUE(allocator.Free(live[pick].first).ok());
      live[pick] = live.back();
      live.pop_back();
    }
  }
  std::sort(live.begin(), live.end());
  uint64_t used = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    used += live[i].second;
    if (i > 0) {
      ASSERT_LE(live[i - 1].first + live[i - 1].second, live[i].first) << "overlap";
    }
  }
  EXPECT_EQ(allocator.used_bytes(), used);
  for (auto& [offset, size] : live) ASSERT_TRUE(allocator.Free(offset).ok());
  EXPECT_EQ(allocator.num_free_blocks(), 1u);
  EXPECT_EQ(allocator.largest_free_block(), 64 * kMiB);
}

// ---------------------------------------------------------------------------------------
// Protocol

TEST(PlasmaProtocolTest, FramesSurviveByteByByteDelivery) {
  CreateRequest create{ObjectID::FromRandom(), 123, 4};
  std::string stream = EncodeFrame(MessageType::kCreate, 7, EncodeMessage(create)) +
                       EncodeFrame(MessageType::kStats, 8, "");
  FrameBuffer buffer;
  std::vector<Frame> frames;
  for (char c : stream) {
    buffer.Append(&c, 1);
    Frame frame;
    auto next = buffer.Next(&frame);
    ASSERT_TRUE(next.ok());
    if (*next) frames.push_back(frame);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, MessageType::kCreate);
  EXPECT_EQ(frames[0].request_id, 7u);
  CreateRequest decoded;
  ASSERT_TRUE(DecodeMessage(frames[0].body, &decoded));
  EXPECT_EQ(decoded.id, create.id);
  EXPECT_EQ(decoded.data_size, 123u);
  EXPECT_EQ(decoded.metadata_size, 4u);
  EXPECT_EQ(frames[1].type, MessageType::kStats);
}

TEST(PlasmaProtocolTest, RejectsOversizedAndUnknownFrames) {
  std::string frame = EncodeFrame(MessageType::kGet, 1, "");
  uint32_t huge = kMaxFrameBody + 1;
  std::memcpy(frame.data(), &huge, 4);
  FrameBuffer oversized;
  oversized.Append(frame.data(), frame.size());
  Frame out;
  EXPECT_FALSE(oversized.Next(&out).ok());
  std::string unknown = EncodeFrame(MessageType::kGet, 1, "");
  unknown[4] = 99;
  FrameBuffer bad_type;
  bad_type.Append(unknown.data(), unknown.size());
  EXPECT_FALSE(bad_type.Next(&out).ok());
}

TEST(PlasmaProtocolTest, RepliesCarryStatusOrPayload) {
  std::vector<GetEntry> entries(2);
  entries[0].location = {64, 10, 2};
  entries[1].status = Status::TimedOut("not sealed");
  auto decoded =
      DecodeReply<std::vector<GetEntry>>(EncodeReply(StatusOr<std::vector<GetEntry>>(entries)));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)[0].location.offset, 64u);
  EXPECT_EQ((*decoded)[0].location.metadata_size, 2u);
  EXPECT_EQ((*decoded)[1].status.code(), StatusCode::kTimedOut);
  EXPECT_EQ((*decoded)[1].status.message(), "not sealed");

  Status full(StatusCode::kObjectStoreFull, "full");
  auto failed = DecodeReply<ObjectLocation>(EncodeReply(StatusOr<ObjectLocation>(full)));
  EXPECT_EQ(failed.status().code(), StatusCode::kObjectStoreFull);
  EXPECT_EQ(DecodeReply<uint64_t>("\x01").status().code(), StatusCode::kIOError);  // truncated
}

// ---------------------------------------------------------------------------------------
// Store + clients

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

std::string DataOf(const ObjectBuffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data), buffer.data_size);
}

std::string MetadataOf(const ObjectBuffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.metadata), buffer.metadata_size);
}

bool WaitFor(const std::function<bool()>& condition, int timeout_ms = 5000) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

class PlasmaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/colony-plasma-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }

  void TearDown() override {
    clients_.clear();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartStore(uint64_t capacity, bool with_spilling = true) {
    PlasmaStoreOptions options;
    options.socket_path = dir_ + "/plasma.sock";
    options.capacity_bytes = capacity;
    if (with_spilling) options.spill_directory = SpillDir();
    options.on_object_event = [this](const ObjectEvent& event) {
      std::lock_guard<std::mutex> lock(events_mu_);
      events_.push_back(event);
    };
    store_ = std::make_unique<PlasmaStore>(std::move(options));
    ASSERT_TRUE(store_->Start().ok());
  }

  std::string SpillDir() const { return dir_ + "/spill"; }
  std::string SpillFile(const ObjectID& id) const { return SpillDir() + "/" + id.Hex() + ".spill"; }

  PlasmaClient& NewClient() {
    clients_.push_back(std::make_unique<PlasmaClient>());
    Status status = clients_.back()->Connect(store_->socket_path());
    EXPECT_TRUE(status.ok()) << status.ToString();
    return *clients_.back();
  }

  // Creates, fills and seals an object; the creator's reference is dropped unless `hold`.
  static void Put(PlasmaClient& client, const ObjectID& id, const std::string& data,
                  const std::string& metadata = "", bool hold = false) {
    auto buffer = client.Create(id, data.size(), metadata.size());
    ASSERT_TRUE(buffer.ok()) << buffer.status().ToString();
    std::memcpy(buffer->data, data.data(), data.size());
    std::memcpy(buffer->metadata, metadata.data(), metadata.size());
    ASSERT_TRUE(client.Seal(id).ok());
    if (!hold) {
      ASSERT_TRUE(client.Release(id).ok());
    }
  }

  std::vector<ObjectEvent> Events() {
    std::lock_guard<std::mutex> lock(events_mu_);
    return events_;
  }

  std::string dir_;
  std::unique_ptr<PlasmaStore> store_;
  std::vector<std::unique_ptr<PlasmaClient>> clients_;
  std::mutex events_mu_;
  std::vector<ObjectEvent> events_;
};

TEST_F(PlasmaStoreTest, OtherClientSeesTheSameBytesAtTheSameOffset) {
  StartStore(4 * kMiB);
  PlasmaClient& writer = NewClient();
  PlasmaClient& reader = NewClient();
  ObjectID id = ObjectID::FromRandom();
  auto buffer = writer.Create(id, 1000, 3);
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->offset % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer->data) % 64, 0u);
  std::string data = RandomBytes(1000, 1);
  std::memcpy(buffer->data, data.data(), data.size());
  std::memcpy(buffer->metadata, "RAW", 3);
  ASSERT_TRUE(writer.Seal(id).ok());

  auto object = reader.Get(id, 1000);
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(object->offset, buffer->offset);
  EXPECT_EQ(DataOf(*object), data);
  EXPECT_EQ(MetadataOf(*object), "RAW");
  // Mapped, not copied: a write through the creator's mapping shows in the reader's.
  buffer->data[0] ^= 0xff;
  EXPECT_EQ(object->data[0], static_cast<uint8_t>(data[0] ^ 0xff));
  EXPECT_TRUE(*reader.Contains(id));
  EXPECT_TRUE(reader.Release(id).ok());
  EXPECT_TRUE(writer.Release(id).ok());
}

TEST_F(PlasmaStoreTest, CreateOfAnExistingIdIsAlreadyExists) {
  StartStore(1 * kMiB);
  PlasmaClient& a = NewClient();
  PlasmaClient& b = NewClient();
  ObjectID id = ObjectID::FromRandom();
  Put(a, id, "hello");
  EXPECT_EQ(b.Create(id, 10, 0).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(a.Seal(id).code(), StatusCode::kInvalidArgument);  // already sealed
}

TEST_F(PlasmaStoreTest, GetWaitsUntilSealWithoutBlockingOtherClients) {
  StartStore(1 * kMiB);
  PlasmaClient& writer = NewClient();
  PlasmaClient& reader = NewClient();
  ObjectID id = ObjectID::FromRandom();
  auto pending = std::async(std::launch::async, [&] { return reader.Get(id, 10000); });
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  auto buffer = writer.Create(id, 5, 0);  // the store keeps serving while the Get waits
  ASSERT_TRUE(buffer.ok());
  std::memcpy(buffer->data, "later", 5);
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  ASSERT_TRUE(writer.Seal(id).ok());
  auto object = pending.get();
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(DataOf(*object), "later");
}

TEST_F(PlasmaStoreTest, GetTimesOutPerObject) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  ObjectID present = ObjectID::FromRandom();
  ObjectID missing = ObjectID::FromRandom();
  Put(client, present, "here");
  auto start = Clock::now();
  auto results = client.Get({present, missing}, 100);
  ASSERT_TRUE(results.ok());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(100));
  ASSERT_TRUE((*results)[0].ok());
  EXPECT_EQ(DataOf(*(*results)[0]), "here");
  EXPECT_EQ((*results)[1].status().code(), StatusCode::kTimedOut);
  EXPECT_TRUE(client.Release(present).ok());
  EXPECT_EQ(client.Get(missing, 0).status().code(), StatusCode::kTimedOut);
}

TEST_F(PlasmaStoreTest, ThreadsOfOneClientDoNotBlockEachOther) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  ObjectID id = ObjectID::FromRandom();
  // One thread waits forever on the socket the other thread uses to seal the object.
  auto pending = std::async(std::launch::async, [&] { return client.Get(id, -1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Put(client, id, "same process");
  auto object = pending.get();
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(DataOf(*object), "same process");
  EXPECT_TRUE(client.Release(id).ok());
}

TEST_F(PlasmaStoreTest, ManyThreadsShareTwoClients) {
  StartStore(8 * kMiB);
  PlasmaClient& writer = NewClient();
  PlasmaClient& reader = NewClient();
  constexpr int kThreads = 4;
  constexpr int kObjectsPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kObjectsPerThread; ++i) {
        ObjectID id = ObjectID::FromRandom();
        std::string data = RandomBytes(1 + (i * 37) % 5000, t * 1000 + i);
        // The reader asks first, so half the Gets park until the writer seals.
        auto pending = std::async(std::launch::async, [&] { return reader.Get(id, 10000); });
        auto buffer = writer.Create(id, data.size(), 0);
        if (!buffer.ok()) {
          ++failures;
          continue;
        }
        std::memcpy(buffer->data, data.data(), data.size());
        if (!writer.Seal(id).ok() || !writer.Release(id).ok()) ++failures;
        auto object = pending.get();
        if (!object.ok() || DataOf(*object) != data) ++failures;
        if (!reader.Release(id).ok() || !reader.Delete(id).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto stats = reader.Stats();
  EXPECT_EQ(stats->num_objects, 0u);
  EXPECT_EQ(stats->used_bytes, 0u);
}

TEST_F(PlasmaStoreTest, ReleaseAndDeleteFreeMemory) {
  StartStore(1 * kMiB);
  PlasmaClient& writer = NewClient();
  PlasmaClient& reader = NewClient();
  ObjectID id = ObjectID::FromRandom();
  Put(writer, id, std::string(1000, 'x'));
  ASSERT_TRUE(reader.Get(id, 0).ok());
  ASSERT_TRUE(writer.Delete(id).ok());  // held by the reader: freed at its release
  EXPECT_FALSE(*writer.Contains(id));
  EXPECT_EQ(writer.Stats()->used_bytes, 1024u);
  EXPECT_EQ(writer.Delete(id).code(), StatusCode::kNotFound);
  ASSERT_TRUE(reader.Release(id).ok());
  auto stats = writer.Stats();
  EXPECT_EQ(stats->used_bytes, 0u);
  EXPECT_EQ(stats->num_objects, 0u);
  EXPECT_EQ(reader.Release(id).code(), StatusCode::kInvalidArgument);

  ObjectID unheld = ObjectID::FromRandom();
  Put(writer, unheld, "x");
  ASSERT_TRUE(reader.Delete(unheld).ok());
  EXPECT_EQ(writer.Stats()->used_bytes, 0u);
}

TEST_F(PlasmaStoreTest, DisconnectReleasesHeldObjectsAndAbortsCreates) {
  StartStore(1 * kMiB);
  PlasmaClient& owner = NewClient();
  PlasmaClient& leaver = NewClient();
  ObjectID held = ObjectID::FromRandom();
  ObjectID unsealed = ObjectID::FromRandom();
  Put(owner, held, "held");
  ASSERT_TRUE(leaver.Get(held, 0).ok());
  ASSERT_TRUE(leaver.Create(unsealed, 100, 0).ok());
  ASSERT_TRUE(owner.Delete(held).ok());
  EXPECT_EQ(owner.Stats()->num_objects, 2u);
  leaver.Disconnect();
  EXPECT_EQ(leaver.Get(held, 0).status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(WaitFor([&] { return owner.Stats()->num_objects == 0; }));
  EXPECT_EQ(owner.Stats()->used_bytes, 0u);
  EXPECT_TRUE(owner.Create(unsealed, 100, 0).ok());  // the aborted id is free again
}

TEST_F(PlasmaStoreTest, PrimaryCopiesLiveUntilTheirOwnerIsGone) {
  StartStore(1 * kMiB);
  PlasmaClient& creator = NewClient();
  PlasmaClient& reader = NewClient();
  const std::string owner_a(16, 'a'), owner_b(16, 'b');
  ObjectID a1 = ObjectID::FromRandom(), a2 = ObjectID::FromRandom(), b1 = ObjectID::FromRandom();
  for (const auto& [id, owner] : {std::pair{a1, owner_a}, {a2, owner_a}, {b1, owner_b}}) {
    auto buffer = creator.Create(id, 100, 0);
    ASSERT_TRUE(buffer.ok());
    std::memset(buffer->data, 7, 100);
    ASSERT_TRUE(creator.SealAndPin(id, owner).ok());
  }
  creator.Disconnect();  // the creator (say, a task's worker) exiting loses nothing
  ASSERT_TRUE(reader.Get(a1, 1000).ok());
  EXPECT_EQ(*reader.DeleteOwnedBy(owner_a), 2u);
  EXPECT_FALSE(*reader.Contains(a1));  // gone for new readers, mapped until released
  EXPECT_FALSE(*reader.Contains(a2));
  EXPECT_TRUE(*reader.Contains(b1));
  ASSERT_TRUE(reader.Release(a1).ok());
  EXPECT_EQ(reader.Stats()->num_objects, 1u);
  EXPECT_EQ(*reader.DeleteOwnedBy(owner_a), 0u);
  ASSERT_TRUE(reader.Delete(b1).ok());  // the owner freed it: nothing left to delete later
  EXPECT_EQ(*reader.DeleteOwnedBy(owner_b), 0u);
  EXPECT_EQ(reader.Stats()->used_bytes, 0u);
}

TEST_F(PlasmaStoreTest, AbortDiscardsAnUnsealedCreate) {
  StartStore(1 * kMiB);
  PlasmaClient& creator = NewClient();
  PlasmaClient& other = NewClient();
  ObjectID id = ObjectID::FromRandom();
  ASSERT_TRUE(creator.Create(id, 4096, 0).ok());
  EXPECT_EQ(other.Abort(id).code(), StatusCode::kInvalidArgument);  // not its object
  EXPECT_EQ(creator.Release(id).code(), StatusCode::kInvalidArgument);  // seal or abort first
  ASSERT_TRUE(creator.Abort(id).ok());
  EXPECT_FALSE(*creator.Contains(id));
  EXPECT_EQ(creator.Stats()->used_bytes, 0u);
  Put(creator, id, "second try");
  EXPECT_EQ(creator.Abort(id).code(), StatusCode::kInvalidArgument);  // sealed now
  EXPECT_EQ(DataOf(*other.Get(id, 0)), "second try");
}

TEST_F(PlasmaStoreTest, EvictsLeastRecentlyUsedUnpinnedObjects) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  std::vector<ObjectID> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(ObjectID::FromRandom());
    Put(client, ids.back(), RandomBytes(256 * kKiB, i));
  }
  ASSERT_TRUE(client.Get(ids[0], 0).ok());  // ids[0] becomes the most recently used
  ASSERT_TRUE(client.Release(ids[0]).ok());
  ObjectID fresh = ObjectID::FromRandom();
  Put(client, fresh, RandomBytes(256 * kKiB, 9));
  EXPECT_FALSE(*client.Contains(ids[1]));
  for (int i : {0, 2, 3}) EXPECT_TRUE(*client.Contains(ids[i])) << i;
  auto stats = client.Stats();
  EXPECT_EQ(stats->total_evicted, 1u);
  EXPECT_EQ(stats->num_spilled, 0u);
  auto events = Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, ObjectEvent::Kind::kSealed);
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [&](const ObjectEvent& e) {
    return e.kind == ObjectEvent::Kind::kRemoved && e.id == ids[1];
  }));
}

TEST_F(PlasmaStoreTest, SpillsPinnedObjectsAndRestoresThemByteExact) {
  StartStore(1 * kMiB);
  PlasmaClient& writer = NewClient();
  PlasmaClient& reader = NewClient();
  std::vector<ObjectID> ids;
  std::vector<std::string> contents;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(ObjectID::FromRandom());
    contents.push_back(RandomBytes(256 * kKiB - 16, 100 + i));
    Put(writer, ids[i], contents[i], "meta" + std::to_string(i));
    ASSERT_TRUE(store_->Pin(ids[i]).ok());  // primary copies: spill, never evict
  }
  auto stats = writer.Stats();
  EXPECT_EQ(stats->num_spilled, 2u);
  EXPECT_EQ(stats->total_evicted, 0u);
  EXPECT_TRUE(std::filesystem::exists(SpillFile(ids[0])));
  EXPECT_TRUE(std::filesystem::exists(SpillFile(ids[1])));
  for (const ObjectID& id : ids) EXPECT_TRUE(*reader.Contains(id));

  for (int i = 0; i < 6; ++i) {  // every Get restores transparently, spilling others
    auto object = reader.Get(ids[i], 1000);
    ASSERT_TRUE(object.ok()) << i << " " << object.status().ToString();
    EXPECT_TRUE(DataOf(*object) == contents[i]) << "object " << i << " corrupted";
    EXPECT_EQ(MetadataOf(*object), "meta" + std::to_string(i));
    ASSERT_TRUE(reader.Release(ids[i]).ok());
  }
  stats = writer.Stats();
  EXPECT_EQ(stats->num_objects, 6u);
  EXPECT_EQ(stats->num_spilled, 2u);
  EXPECT_GE(stats->total_restored, 4u);
  // A restored object's file is removed: only the currently spilled ones have files.
  auto files = std::distance(std::filesystem::directory_iterator(SpillDir()),
                             std::filesystem::directory_iterator());
  EXPECT_EQ(files, 2);
}

TEST_F(PlasmaStoreTest, DeleteOfSpilledObjectRemovesItsFile) {
  StartStore(512 * kKiB);
  PlasmaClient& client = NewClient();
  ObjectID a = ObjectID::FromRandom();
  Put(client, a, RandomBytes(300 * kKiB, 1));
  ASSERT_TRUE(client.Pin(a).ok());
  Put(client, ObjectID::FromRandom(), RandomBytes(300 * kKiB, 2));
  ASSERT_TRUE(std::filesystem::exists(SpillFile(a)));
  ASSERT_TRUE(client.Delete(a).ok());
  EXPECT_FALSE(std::filesystem::exists(SpillFile(a)));
  auto stats = client.Stats();
  EXPECT_EQ(stats->num_spilled, 0u);
  EXPECT_EQ(stats->spilled_bytes, 0u);
}

TEST_F(PlasmaStoreTest, GetOfSpilledObjectWaitsForMemoryToRestore) {
  StartStore(512 * kKiB);
  PlasmaClient& writer = NewClient();
  PlasmaClient& reader = NewClient();
  ObjectID spilled = ObjectID::FromRandom();
  std::string content = RandomBytes(256 * kKiB, 5);
  Put(writer, spilled, content);
  ASSERT_TRUE(store_->Pin(spilled).ok());
  ObjectID b = ObjectID::FromRandom();
  ObjectID c = ObjectID::FromRandom();
  Put(writer, b, RandomBytes(256 * kKiB, 6), "", /*hold=*/true);
  Put(writer, c, RandomBytes(256 * kKiB, 7), "", /*hold=*/true);  // spills `spilled`
  ASSERT_EQ(writer.Stats()->num_spilled, 1u);

  auto blocked = reader.Get(spilled, 0);  // nothing can make room right now
  EXPECT_EQ(blocked.status().code(), StatusCode::kObjectStoreFull);
  auto pending = std::async(std::launch::async, [&] { return reader.Get(spilled, 10000); });
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  ASSERT_TRUE(writer.Release(b).ok());  // b becomes evictable: the restore can proceed
  auto object = pending.get();
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_TRUE(DataOf(*object) == content);
  EXPECT_FALSE(*writer.Contains(b));  // evicted (unpinned) to make room
}

TEST_F(PlasmaStoreTest, OutOfMemoryWhenEverythingIsHeld) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  std::vector<ObjectID> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(ObjectID::FromRandom());
    Put(client, ids[i], RandomBytes(256 * kKiB, i), "", /*hold=*/true);
  }
  auto full = client.Create(ObjectID::FromRandom(), 1000, 24);
  ASSERT_EQ(full.status().code(), StatusCode::kObjectStoreFull);
  const std::string& message = full.status().message();
  EXPECT_NE(message.find("1024 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("capacity 1048576 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("used 1048576 bytes"), std::string::npos) << message;
  EXPECT_EQ(client.Create(ObjectID::FromRandom(), 2 * kMiB, 0).status().code(),
            StatusCode::kObjectStoreFull);
  for (const ObjectID& id : ids) EXPECT_TRUE(*client.Contains(id));  // nothing was lost

  ASSERT_TRUE(client.Release(ids[2]).ok());
  EXPECT_TRUE(client.Create(ObjectID::FromRandom(), 1000, 24).ok());
}

TEST_F(PlasmaStoreTest, PinnedObjectsStayWhenSpillingIsDisabled) {
  StartStore(512 * kKiB, /*with_spilling=*/false);
  PlasmaClient& client = NewClient();
  ObjectID pinned = ObjectID::FromRandom();
  Put(client, pinned, RandomBytes(400 * kKiB, 1));
  ASSERT_TRUE(client.Pin(pinned).ok());
  EXPECT_EQ(client.Create(ObjectID::FromRandom(), 200 * kKiB, 0).status().code(),
            StatusCode::kObjectStoreFull);
  EXPECT_TRUE(*client.Contains(pinned));
  ASSERT_TRUE(store_->Unpin(pinned).ok());  // now a cache copy: evictable
  EXPECT_TRUE(client.Create(ObjectID::FromRandom(), 200 * kKiB, 0).ok());
  EXPECT_FALSE(*client.Contains(pinned));
}

TEST_F(PlasmaStoreTest, HostSeesEventsAndUsesTheDirectApi) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  ObjectID id = ObjectID::FromRandom();
  Put(client, id, "event");
  EXPECT_TRUE(store_->Contains(id));
  EXPECT_EQ(store_->Pin(ObjectID::FromRandom()).code(), StatusCode::kNotFound);
  auto stats = store_->Stats();
  EXPECT_EQ(stats.num_clients, 1u);
  EXPECT_EQ(stats.num_objects, 1u);
  EXPECT_EQ(stats.capacity, 1 * kMiB);
  ASSERT_TRUE(store_->Delete(id).ok());
  EXPECT_FALSE(*client.Contains(id));
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ObjectEvent::Kind::kSealed);
  EXPECT_EQ(events[0].location.data_size, 5u);
  EXPECT_EQ(events[1].kind, ObjectEvent::Kind::kRemoved);
  EXPECT_EQ(events[1].id, id);
}

TEST_F(PlasmaStoreTest, GarbageFromOneConnectionDoesNotHurtOthers) {
  StartStore(1 * kMiB);
  PlasmaClient& good = NewClient();
  auto raw = ConnectUnix(store_->socket_path());
  ASSERT_TRUE(raw.ok());
  std::string garbage(64, '\x7f');
  ASSERT_TRUE(SendAll(raw->get(), garbage.data(), garbage.size()).ok());
  char byte;
  EXPECT_LE(read(raw->get(), &byte, 1), 0);  // the store hung up on it
  ObjectID id = ObjectID::FromRandom();
  Put(good, id, "still fine");
  EXPECT_EQ(DataOf(*good.Get(id, 0)), "still fine");
}

// Found by src/core_cpp/fuzz/plasma_store_fuzzer: a Get timeout near 2^63 ms overflowed
// the deadline arithmetic (UB); such timeouts are refused with InvalidArgument.
TEST_F(PlasmaStoreTest, AbsurdGetTimeoutsAreRefusedAndTheStoreServesOn) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  ObjectID id = ObjectID::FromRandom();
  Put(client, id, "kept");
  for (int64_t timeout : {INT64_MAX, kMaxGetTimeoutMs + 1, int64_t{-2}, INT64_MIN}) {
    auto got = client.Get(std::vector<ObjectID>{ObjectID::FromRandom()}, timeout);
    ASSERT_EQ(got.status().code(), StatusCode::kInvalidArgument) << timeout;
    EXPECT_NE(got.status().message().find("timeout_ms"), std::string::npos);
  }
  // The longest allowed one parks (and is answered at its deadline, never reached here).
  auto object = client.Get(id, kMaxGetTimeoutMs);
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(DataOf(*object), "kept");
}

// A create of nearly 2^64 bytes wrapped the aligned size to 0 and evicted every object
// before failing; now it fails at once and nothing is evicted.
TEST_F(PlasmaStoreTest, CreateOfNearly2To64BytesEvictsNothing) {
  StartStore(1 * kMiB);
  PlasmaClient& client = NewClient();
  ObjectID kept = ObjectID::FromRandom();
  Put(client, kept, "evictable but still wanted");
  for (uint64_t size : {UINT64_MAX, UINT64_MAX - 62, uint64_t{1} << 63}) {
    auto created = client.Create(ObjectID::FromRandom(), size, 0);
    EXPECT_EQ(created.status().code(), StatusCode::kObjectStoreFull) << size;
  }
  EXPECT_EQ(client.Create(ObjectID::FromRandom(), UINT64_MAX, 1).status().code(),
            StatusCode::kInvalidArgument);  // data + metadata overflows
  EXPECT_TRUE(*client.Contains(kept));
  EXPECT_EQ(client.Stats()->total_evicted, 0u);
}

// ---------------------------------------------------------------------------------------
// Another process

TEST_F(PlasmaStoreTest, ForkedChildReadsWhatTheParentWrote) {
  StartStore(1 * kMiB);
  PlasmaClient& parent = NewClient();
  ObjectID from_parent = ObjectID::FromRandom();
  ObjectID from_child = ObjectID::FromRandom();
  std::string content = RandomBytes(100 * kKiB, 77);
  Put(parent, from_parent, content, "P");
  uint64_t parent_offset = parent.Get(from_parent, 0)->offset;
  ASSERT_TRUE(parent.Release(from_parent).ok());

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Exit codes say which step failed; no gtest macros in the child.
    PlasmaClient child;
    if (!child.Connect(store_->socket_path()).ok()) _exit(10);
    auto object = child.Get(from_parent, 1000);
    if (!object.ok()) _exit(11);
    if (DataOf(*object) != content || MetadataOf(*object) != "P") _exit(12);
    if (object->offset != parent_offset) _exit(13);
    if (!child.Release(from_parent).ok()) _exit(14);
    auto buffer = child.Create(from_child, 5, 0);
    if (!buffer.ok()) _exit(15);
    std::memcpy(buffer->data, "child", 5);
    if (!child.Seal(from_child).ok() || !child.Release(from_child).ok()) _exit(16);
    _exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  auto object = parent.Get(from_child, 1000);  // outlives the child that sealed it
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(DataOf(*object), "child");
}

// ---------------------------------------------------------------------------------------
// Latency (printed, never asserted)

TEST_F(PlasmaStoreTest, PrintsSmallObjectRoundTripLatency) {
  StartStore(16 * kMiB);
  PlasmaClient& client = NewClient();
  ObjectID id = ObjectID::FromRandom();
  Put(client, id, std::string(64, 'x'));
  constexpr int kWarmup = 1000;
  constexpr int kRounds = 20000;
  std::vector<double> get_us, release_us;
  for (int i = 0; i < kWarmup + kRounds; ++i) {
    auto t0 = Clock::now();
    auto object = client.Get(id, 0);
    auto t1 = Clock::now();
    Status released = client.Release(id);
    auto t2 = Clock::now();
    ASSERT_TRUE(object.ok() && released.ok());
    if (i < kWarmup) continue;
    get_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    release_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  auto report = [](const char* name, std::vector<double> us) {
    std::sort(us.begin(), us.end());
    double mean = 0;
    for (double v : us) mean += v;
    mean /= us.size();
    std::printf("[ latency  ] %-8s mean %.1f us  p50 %.1f us  p99 %.1f us  (%zu calls)\n", name,
                mean, us[us.size() / 2], us[us.size() * 99 / 100], us.size());
  };
  report("Get", get_us);
  report("Release", release_us);
}

}  // namespace
}  // namespace colony::plasma
