// BlockPool hands out distinct aligned blocks of one size, chunk after chunk,
// and reuses a freed block last in first out.
#include "mitokit/sim/block_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <stdexcept>
#include <vector>

namespace mitokit::sim {
namespace {

TEST(BlockPool, BlocksAreDistinctAlignedAndDoNotOverlapAcrossChunks) {
    BlockPool pool(4); // four blocks a chunk: ten blocks take three chunks
    std::vector<unsigned char*> blocks;
    for (int i = 0; i < 10; ++i) {
        auto* p = static_cast<unsigned char*>(pool.allocate(20, 8));
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 8, 0u);
        std::memset(p, i, 20);
        blocks.push_back(p);
    }
    EXPECT_EQ(pool.heap_bytes(), 3u * 4 * 24) << "20 bytes round up to 24 at alignment 8";
    for (int i = 0; i < 10; ++i)
        for (int j = 0; j < 20; ++j) ASSERT_EQ(blocks[i][j], i) << "block " << i << " was overwritten";
    EXPECT_EQ(std::set<unsigned char*>(blocks.begin(), blocks.end()).size(), blocks.size());
}

TEST(BlockPool, ChunksDoubleUpToTheCap) {
    BlockPool pool(4, 16); // chunks of 4, 8, 16, 16 ... blocks
    std::set<void*> blocks;
    for (int i = 0; i < 4 + 8 + 16; ++i) blocks.insert(pool.allocate(16, 8));
    EXPECT_EQ(pool.heap_bytes(), (4u + 8 + 16) * 16);
    blocks.insert(pool.allocate(16, 8));
    EXPECT_EQ(pool.heap_bytes(), (4u + 8 + 16 + 16) * 16);
    for (int i = 0; i < 16; ++i) blocks.insert(pool.allocate(16, 8));
    EXPECT_EQ(pool.heap_bytes(), (4u + 8 + 16 + 16 + 16) * 16);
    EXPECT_EQ(blocks.size(), 4u + 8 + 16 + 1 + 16) << "a block was handed out twice";
}

TEST(BlockPool, AFreedBlockComesBackFirst) {
    BlockPool pool(4);
    void* a = pool.allocate(16, 8);
    void* b = pool.allocate(16, 8);
    pool.deallocate(a);
    pool.deallocate(b);
    EXPECT_EQ(pool.allocate(16, 8), b);
    EXPECT_EQ(pool.allocate(16, 8), a);
    void* c = pool.allocate(16, 8);
    EXPECT_NE(c, a);
    EXPECT_NE(c, b);
    EXPECT_EQ(pool.heap_bytes(), 4u * 16) << "no chunk more while blocks were free";
    pool.deallocate(nullptr); // nothing to give back
    EXPECT_NE(pool.allocate(16, 8), nullptr);
}

TEST(BlockPool, OneSizeAndAtMostOperatorNewsAlignment) {
    BlockPool pool;
    pool.allocate(40, 8);
    EXPECT_NO_THROW(pool.allocate(33, 8)) << "33 rounds up to the same 40";
    EXPECT_THROW(pool.allocate(48, 8), std::logic_error);
    EXPECT_THROW(pool.allocate(40, 2 * alignof(std::max_align_t)), std::logic_error);
    const auto message = [&](std::size_t size, std::size_t align) -> std::string {
        try {
            pool.allocate(size, align);
        } catch (const std::logic_error& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_EQ(message(48, 8), "BlockPool: one block size per pool");
    EXPECT_EQ(message(40, 2 * alignof(std::max_align_t)), "BlockPool: unsupported alignment");
}

} // namespace
} // namespace mitokit::sim
