// pickle::small and the _proxy_connect reply against the general codec: the
// writers give the encoder's bytes, the readers agree with the decoder where they
// answer and decline every other payload.
#include "mitokit/pickle/small.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "support/near_misses.hpp"

namespace mitokit {
namespace {

using Bytes = std::vector<std::uint8_t>;

const std::int64_t INTS[] = {0, 1, 255, 256, 65535, 65536, 1 << 24, INT32_MAX, -1, -256, INT32_MIN};

Bytes encoded(pickle::Document& d, pickle::NodeId root) {
    Bytes out;
    EXPECT_TRUE(pickle::encode(d, root, out));
    return out;
}

TEST(PickleSmall, WritersGiveTheEncodersBytes) {
    pickle::Document d;
    Bytes got;
    pickle::small::append_none(got);
    EXPECT_EQ(got, encoded(d, d.none()));
    for (std::int64_t v : INTS) {
        got.clear();
        ASSERT_TRUE(pickle::small::append_int32(got, v));
        EXPECT_EQ(got, encoded(d, d.integer(v))) << v;
    }
    got.assign({7});
    EXPECT_FALSE(pickle::small::append_int32(got, std::int64_t{INT32_MAX} + 1));
    EXPECT_FALSE(pickle::small::append_int32(got, std::int64_t{INT32_MIN} - 1));
    EXPECT_EQ(got, Bytes{7});
}

TEST(PickleSmall, FixedBufferWritersGiveTheEncodersBytes) {
    pickle::Document d;
    // Filled with a marker: nothing may be written past the length returned.
    std::uint8_t buf[pickle::small::MAX_SCALAR + 1];
    std::fill(std::begin(buf), std::end(buf), 0xee);
    std::size_t n = pickle::small::write_none_pickle(buf);
    EXPECT_EQ(Bytes(buf, buf + n), encoded(d, d.none()));
    for (std::int64_t v : INTS) {
        std::fill(std::begin(buf), std::end(buf), 0xee);
        n = pickle::small::write_int32_pickle(buf, v);
        ASSERT_LE(n, pickle::small::MAX_SCALAR) << v;
        EXPECT_EQ(Bytes(buf, buf + n), encoded(d, d.integer(v))) << v;
        EXPECT_EQ(buf[n], 0xee) << v;
    }
    for (std::int64_t v : {std::int64_t{INT32_MAX} + 1, std::int64_t{INT32_MIN} - 1, INT64_MIN, INT64_MAX}) {
        std::fill(std::begin(buf), std::end(buf), 0xee);
        EXPECT_EQ(pickle::small::write_int32_pickle(buf, v), 0u) << v;
        EXPECT_EQ(buf[0], 0xee) << v;
    }
}

TEST(PickleSmall, ReadScalarAgreesWithTheDecoderOrDeclines) {
    pickle::Document d;
    std::vector<Bytes> payloads{encoded(d, d.none())};
    for (std::int64_t v : INTS) payloads.push_back(encoded(d, d.integer(v)));
    const std::size_t whole = payloads.size();
    // Near misses: every cut, every byte changed, a byte appended.
    for (std::size_t k = 0; k < whole; ++k) testing::add_near_misses(Bytes(payloads[k]), {1, 0x80}, payloads);
    std::size_t read = 0;
    for (std::size_t k = 0; k < payloads.size(); ++k) {
        const auto got = pickle::small::read_scalar(payloads[k]);
        if (k < whole) {
            ASSERT_TRUE(got) << "payload " << k;
        }
        if (!got) continue;
        ++read;
        pickle::Document doc;
        ASSERT_TRUE(pickle::decode(payloads[k], doc)) << "payload " << k;
        const auto& n = doc[doc.root()];
        if (*got) {
            ASSERT_EQ(n.kind, pickle::Kind::integer) << "payload " << k;
            EXPECT_EQ(n.i, **got) << "payload " << k;
        } else {
            EXPECT_EQ(n.kind, pickle::Kind::none) << "payload " << k;
        }
    }
    EXPECT_GE(read, whole);
}

TEST(ConnectReply, BytesAreTheEncodersAndReadBack) {
    // Names short and long (the writer's stack buffer holds 128 bytes, which a
    // name of 75 to 79 bytes fills by the ID's size), appended after other bytes too.
    std::vector<std::string> names = {"", "local.7", "a:b c"};
    for (std::size_t n : {74, 75, 76, 77, 78, 79, 80, 300}) names.push_back(std::string(n, 'n'));
    for (std::int64_t id : INTS) {
        for (const std::string& name : names) {
            pickle::Document d;
            const auto root = d.seq(pickle::Kind::dict, {d.str("id"), d.integer(id), d.str("name"), d.str(name),
                                                        d.str("msg"), d.none()});
            Bytes got;
            ASSERT_TRUE(payload::build_connect_reply(id, name, got));
            EXPECT_EQ(got, encoded(d, root)) << id << " " << name;
            Bytes after{9, 9};
            ASSERT_TRUE(payload::build_connect_reply(id, name, after));
            EXPECT_EQ(Bytes(after.begin() + 2, after.end()), got);
            EXPECT_EQ(Bytes(after.begin(), after.begin() + 2), (Bytes{9, 9}));
            EXPECT_EQ(payload::connect_reply_id(got), id);
            // Every cut and changed byte is declined or read as the decoder reads it.
            for (std::size_t i = 0; i < got.size(); ++i) {
                EXPECT_FALSE(payload::connect_reply_id(std::span(got).first(i))) << "cut at " << i;
                Bytes q = got;
                q[i] ^= 0x80;
                if (const auto other = payload::connect_reply_id(q)) {
                    pickle::Document doc;
                    ASSERT_TRUE(pickle::decode(q, doc));
                    EXPECT_EQ(doc[doc[doc.root()].items[1]].i, *other);
                }
            }
        }
    }
    Bytes out{1};
    EXPECT_FALSE(payload::build_connect_reply(std::int64_t{INT32_MAX} + 1, "x", out));
    EXPECT_FALSE(payload::build_connect_reply(1, "caf\xc3\xa9", out));
    EXPECT_EQ(out, Bytes{1});
}

} // namespace
} // namespace mitokit
