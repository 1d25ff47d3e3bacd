// The raw payloads, dead-message helpers and zlib sources, against the reference:
// the shared vectors, protocol-notes §8 hex, and the real python3 for int() and
// UTF-8 'replace' decoding.
#include "mitokit/payloads.hpp"

#include <unistd.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <regex>

#include "mitokit/handles.hpp"
#include "stream_test_util.hpp"
#include "../src/payloads/python_text.hpp"

namespace mitokit::payload {
namespace {

using mitokit::testing::from_hex;
using namespace std::literals;

Bytes B(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
std::string S(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

std::string hex(std::string_view s) {
    static constexpr char d[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out.push_back(d[c >> 4]);
        out.push_back(d[c & 15]);
    }
    return out;
}

// Runs python3 with `code`, feeding `input`; returns its stdout.
std::string python(const std::string& code, const std::string& input) {
    // One file per process: ctest runs tests of this binary in parallel processes.
    const std::string in_path = ::testing::TempDir() + "mitokit_py_in." + std::to_string(::getpid()) + ".txt";
    {
        std::ofstream f(in_path, std::ios::binary);
        f << input;
    }
    const std::string cmd = std::string(MITOKIT_PYTHON) + " -c '" + code + "' < " + in_path;
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
    std::string out;
    char buf[4096];
    while (p && std::fgets(buf, sizeof buf, p.get())) out += buf;
    return out;
}

// The raw vectors: name -> payload bytes.
std::map<std::string, std::string> raw_vectors(const char* file) {
    std::map<std::string, std::string> out;
    std::istringstream in(mitokit::testing::read_text(std::string(MITOKIT_SHARED_DIR) + "/vectors/" + file));
    std::string line;
    const std::regex name("\"name\": \"([^\"]*)\""), raw("\"raw\": \"([0-9a-f]*)\"");
    while (std::getline(in, line)) {
        std::smatch n, r;
        if (std::regex_search(line, n, name) && std::regex_search(line, r, raw)) {
            const auto b = from_hex(r[1].str());
            out[n[1].str()] = std::string(b.begin(), b.end());
        }
    }
    return out;
}

TEST(PayloadsRaw, SharedVectorsParseAndRebuildByteForByte) {
    for (const char* file : {"mitogen-0.3.3.jsonl", "mitogen-0.3.52.jsonl"}) {
        SCOPED_TRACE(file);
        auto v = raw_vectors(file);
        ASSERT_GE(v.size(), 7u);
        auto gm = parse_get_module(B(v.at("get_module")));
        ASSERT_TRUE(gm) << gm.error().message;
        EXPECT_EQ(gm->fullname, "mypkg.sub");
        EXPECT_EQ(S(build_get_module(gm->fullname)), v.at("get_module"));

        auto add = parse_route(handle::ADD_ROUTE, B(v.at("add_route")));
        ASSERT_TRUE(add) << add.error().message;
        EXPECT_EQ(add->id, 4u);
        EXPECT_EQ(add->name, "ssh.web1");
        EXPECT_EQ(S(build_route(add->id, add->name)), v.at("add_route"));

        auto del = parse_route(handle::DEL_ROUTE, B(v.at("del_route")));
        ASSERT_TRUE(del) << del.error().message;
        EXPECT_EQ(del->id, 4u);
        EXPECT_FALSE(del->name);
        EXPECT_EQ(S(build_route(del->id, del->name)), v.at("del_route"));

        auto log = parse_forward_log(B(v.at("forward_log")));
        ASSERT_TRUE(log) << log.error().message;
        EXPECT_EQ(log->logger, "mitogen.ctx");
        EXPECT_EQ(log->level, 30);
        EXPECT_EQ(log->message, "disk full");
        EXPECT_EQ(S(build_forward_log(log->logger, log->level, log->message)), v.at("forward_log"));

        auto fm = parse_forward_module(B(v.at("forward_module")));
        ASSERT_TRUE(fm) << fm.error().message;
        EXPECT_EQ(fm->target, 4u);
        EXPECT_EQ(fm->fullname, "mypkg");
        EXPECT_EQ(S(build_forward_module(fm->target, fm->fullname)), v.at("forward_module"));

        auto dead = parse_dead(B(v.at("dead_reply")));
        ASSERT_TRUE(dead);
        EXPECT_EQ(dead->reason, reason::no_route(7, 0));
        EXPECT_EQ(S(build_dead(dead->reason)), v.at("dead_reply"));

        EXPECT_TRUE(check_empty(handle::SHUTDOWN, B(v.at("shutdown"))));
    }
}

TEST(PayloadsRaw, DeadReplyFrameMatchesTheReferenceHex) {
    // protocol-notes §8: child 1 answers master handle 1001 with "invalid handle".
    Header request{Encoding::legacy, 1, 0, 0, 4242, 1001, 0};
    const auto body = build_dead(reason::invalid_handle);
    const auto frame = encode_frame(dead_reply_header(request, 1, static_cast<std::uint32_t>(body.size())), body);
    EXPECT_EQ(frame, from_hex("4d49000000000000000100000001000003e9000003e70000000e696e76616c69642068616e646c65"));
    EXPECT_TRUE(dead_reply_header(request, 1, 0).is_dead());
}

TEST(PayloadsRaw, ReasonsAreTheReferenceText) {
    // core.py's formats, filled in by Python itself.
    const std::string got = python(
        "import mitogen.core as c; R=c.Router\n"
        "print(R.no_route_msg % (7, 0)); print(R.too_large_msg % (134217728,))\n"
        "print(R.unidirectional_msg % (2, 3, 1)); print(R.invalid_handle_msg); print(R.refused_msg)\n"
        "print(R.respondent_disconnect_msg); print(R.broker_exit_msg); print(c.ChannelError.remote_msg)",
        "");
    const std::string want = reason::no_route(7, 0) + "\n" + reason::too_large(134217728) + "\n" +
                             reason::unidirectional(2, 3, 1) + "\n" + std::string(reason::invalid_handle) + "\n" +
                             std::string(reason::refused_by_policy) + "\n" +
                             std::string(reason::respondent_disconnected) + "\n" + std::string(reason::broker_exited) +
                             "\n" + Dead{}.channel_error() + "\n";
    EXPECT_EQ(got, want);
    EXPECT_EQ(Dead{}.channel_error(true), "Channel closed by local end.");
    EXPECT_EQ(Dead{"boom"}.channel_error(), "boom");
}

// Every length from none to a few words, a byte with its top bit set at each
// place in turn, between bytes that are not ASCII: what is read is exactly p[0..n).
TEST(PayloadsRaw, AsciiCheckReadsEveryByteAndNoOther) {
    for (std::size_t n = 0; n <= 40; ++n) {
        SCOPED_TRACE(n);
        std::vector<std::uint8_t> buf(n + 16, 0xff);
        std::uint8_t* p = buf.data() + 8;
        std::fill(p, p + n, std::uint8_t{'a'});
        EXPECT_TRUE(payload::text::is_ascii(p, n));
        for (std::size_t i = 0; i < n; ++i)
            for (std::uint8_t bad : {std::uint8_t{0x80}, std::uint8_t{0xc3}, std::uint8_t{0xff}}) {
                p[i] = bad;
                EXPECT_FALSE(payload::text::is_ascii(p, n)) << "byte " << i;
                p[i] = 0x7f;
                EXPECT_TRUE(payload::text::is_ascii(p, n)) << "byte " << i;
                p[i] = 'a';
            }
    }
}

TEST(PayloadsRaw, RouteIdsAreReadAsPythonIntDoes) {
    struct Case { std::string_view in; long long id; };
    for (auto c : {Case{" 7\n", 7}, Case{"+7", 7}, Case{"1_0", 10}, Case{"\t4294967295 ", 4294967295LL},
                   Case{"007", 7}}) {
        auto r = parse_route(handle::DEL_ROUTE, B(c.in));
        ASSERT_TRUE(r) << c.in << ": " << r.error().message;
        EXPECT_EQ(r->id, c.id) << c.in;
    }
    struct Bad { std::string_view in; std::string_view msg; };
    for (auto c : {Bad{"", "DEL_ROUTE: id '' is not a decimal integer"},
                   Bad{"1__0", "DEL_ROUTE: id '1__0' is not a decimal integer"},
                   Bad{"_1", "DEL_ROUTE: id '_1' is not a decimal integer"},
                   Bad{"0x10", "DEL_ROUTE: id '0x10' is not a decimal integer"},
                   Bad{"-1", "DEL_ROUTE: id '-1' is out of range for a context ID"},
                   Bad{"4294967296", "DEL_ROUTE: id '4294967296' is out of range for a context ID"},
                   // The last length read by the digits-only path, and the first past it.
                   Bad{"999999999999999999", "DEL_ROUTE: id '999999999999999999' is out of range for a context ID"},
                   Bad{"9999999999999999999", "DEL_ROUTE: id '9999999999999999999' is out of range for a context ID"},
                   Bad{"123456789012345678901234567890",
                       "DEL_ROUTE: id '123456789012345678901234567890' is out of range for a context ID"},
                   Bad{"4\xff", "DEL_ROUTE: id '4\\xff' is not a decimal integer"}}) {
        auto r = parse_route(handle::DEL_ROUTE, B(c.in));
        ASSERT_FALSE(r) << c.in;
        EXPECT_EQ(r.error().code, Errc::bad_payload);
        EXPECT_EQ(r.error().message, c.msg);
    }
    // Python agrees on which of these int() accepts.
    const std::vector<std::string> probes = {" 7\n", "+7", "1_0", "1__0", "_1", "1_", "0x10", "-0", "+", "",
                                             "\v12\f", "1 2", "٣", "12\r\n", "0_0", "00",
                                             // the digits-only shortcut's shapes and its edges
                                             "0", "7", "10", "123456789", "999999999", "1000000000", "4294967295",
                                             "0123", "1a", "a1", "12 "};
    std::string input;
    for (const auto& p : probes) input += hex(p) + "\n";
    const std::string py = python(
        "import sys\n"
        "for l in sys.stdin:\n"
        "  b=bytes.fromhex(l.strip())\n"
        "  try: print(int(b))\n"
        "  except ValueError: print(\"x\")",
        input);
    std::string mine;
    for (const auto& p : probes) {
        auto r = parse_route(handle::ADD_ROUTE, B(p));
        mine += r ? std::to_string(r->id) + "\n" : (r.error().message.find("not a decimal") != std::string::npos ? "x\n" : "0\n");
    }
    EXPECT_EQ(mine, py);
}

TEST(PayloadsRaw, RouteShortcutGivesWhatTheGeneralReadingGives) {
    // "id" and "id:ASCII name" are read without int() and the UTF-8 check; a
    // leading space sends the same ID through int(), which must agree.
    std::mt19937 rng(7);
    std::vector<std::uint32_t> ids = {0, 1, 9, 10, 99, 100, 999999999, 1000000000, 4294967295u};
    for (int i = 0; i < 200; ++i) ids.push_back(static_cast<std::uint32_t>(rng() >> (rng() % 32)));
    for (std::uint32_t id : ids) {
        for (const std::string& tail : {std::string(), std::string(":"), std::string(":local.5"), std::string(":a:b"),
                                        std::string(":\x01\x7f"), std::string(":caf\xc3\xa9")}) {
            const std::string text = std::to_string(id) + tail;
            SCOPED_TRACE(text);
            auto quick = parse_route(handle::ADD_ROUTE, B(text));
            auto general = parse_route(handle::ADD_ROUTE, B(" " + text));
            ASSERT_TRUE(quick) << quick.error().message;
            ASSERT_TRUE(general) << general.error().message;
            EXPECT_EQ(quick->id, general->id);
            EXPECT_EQ(quick->id, id);
            EXPECT_EQ(quick->name, general->name);
            EXPECT_EQ(quick->name.has_value(), !tail.empty());
        }
    }
}

TEST(PayloadsRaw, RouteViewReadsWhatParseRouteReads) {
    // read_route answers for what RouteMonitor writes and, wherever it answers,
    // with parse_route's ID and name: fed every cut, every changed byte and an
    // appended byte of such payloads.
    std::vector<std::string> seeds;
    for (std::uint32_t id : {0u, 7u, 10u, 305u, 4096u, 70001u, 123456u, 9999999u, 12345678u, 123456789u, 999999999u})
        for (const char* name : {"", "x", "local.5", "parent", "a:b"}) {
            std::vector<std::uint8_t> w;
            write_route(id, name, w);
            EXPECT_EQ(S(w), S(build_route(id, *name ? std::optional<std::string>(name) : std::nullopt)));
            seeds.push_back(S(w));
            auto v = read_route(w);
            ASSERT_TRUE(v) << S(w);
            EXPECT_EQ(v->id, id);
            EXPECT_EQ(v->name, name);
        }
    seeds.push_back("5:");
    const auto agree = [](const std::string& text) {
        SCOPED_TRACE(text);
        const auto v = read_route(B(text));
        if (!v) return;
        for (std::uint32_t h : {handle::ADD_ROUTE, handle::DEL_ROUTE}) {
            auto r = parse_route(h, B(text));
            ASSERT_TRUE(r) << r.error().message;
            EXPECT_EQ(r->id, v->id);
            EXPECT_EQ(r->name.has_value(), v->has_name);
            EXPECT_EQ(r->name.value_or(""), v->name);
        }
    };
    std::size_t answered = 0;
    for (const std::string& seed : seeds) {
        for (std::size_t cut = 0; cut <= seed.size(); ++cut) agree(seed.substr(0, cut));
        for (std::size_t i = 0; i < seed.size(); ++i)
            for (int b = 0; b < 256; ++b) {
                std::string t = seed;
                t[i] = static_cast<char>(b);
                agree(t);
                answered += read_route(B(t)).has_value();
            }
        for (int b = 0; b < 256; ++b) agree(seed + static_cast<char>(b));
    }
    EXPECT_GT(answered, 0u);
    // What it leaves to parse_route: longer IDs, leading zeros, signs, spaces, non-ASCII names.
    for (const char* t : {"1000000000", "4294967295", "05", "+5", " 5", "5 ", "", ":x", "5:caf\xc3\xa9"})
        EXPECT_FALSE(read_route(B(t))) << t;
}

TEST(PayloadsRaw, RouteNamesFollowPartitionAndStrictUtf8) {
    auto r = parse_route(handle::ADD_ROUTE, B("5:"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "");
    EXPECT_EQ(S(build_route(5, r->name)), "5"); // RouteMonitor omits an empty name
    EXPECT_EQ(S(build_route(0, std::nullopt)), "0");
    EXPECT_EQ(S(build_route(4294967295u, std::string("local.4294967295"))), "4294967295:local.4294967295");
    EXPECT_EQ(S(build_route(1000, std::string("a:b"))), "1000:a:b");
    r = parse_route(handle::ADD_ROUTE, B("5:a:b"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "a:b");
    r = parse_route(handle::ADD_ROUTE, B("5:ok\xed\xa0\x80"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "ADD_ROUTE: name is not valid UTF-8 at byte 4");
    EXPECT_EQ(r.error().offset, 4u);
    r = parse_route(handle::SHUTDOWN, B("5"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "SHUTDOWN: not a route handle (want ADD_ROUTE or DEL_ROUTE)");
}

TEST(PayloadsRaw, GetModuleAndForwardModuleErrors) {
    auto g = parse_get_module(B("my\xc0\xafpkg"));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, Errc::bad_payload);
    EXPECT_EQ(g.error().message, "GET_MODULE: module name is not valid UTF-8 at byte 2");
    auto f = parse_forward_module(B("2"));
    ASSERT_TRUE(f); // bytes.partition: no NUL gives an empty name
    EXPECT_EQ(f->fullname, "");
    f = parse_forward_module(B("x\0mod"));
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().message, "FORWARD_MODULE: target id 'x' is not a decimal integer");
    f = parse_forward_module(B("2\0\xff"sv));
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().message, "FORWARD_MODULE: module name is not valid UTF-8 at byte 2");
}

TEST(PayloadsRaw, ForwardLogSplitsOnNulAtMostTwice) {
    auto l = parse_forward_log(B("root\0 20 \0a\0b"sv));
    ASSERT_TRUE(l) << l.error().message;
    EXPECT_EQ(l->logger, "root");
    EXPECT_EQ(l->level, 20);
    EXPECT_EQ(l->message, std::string("a\0b", 3));
    for (auto [in, msg] : {std::pair<std::string_view, std::string_view>{
                               "root", "FORWARD_LOG: want \"name\\0level\\0message\", found 0 NUL separator(s)"},
                           {"root\0" "30"sv,
                            "FORWARD_LOG: want \"name\\0level\\0message\", found 1 NUL separator(s)"},
                           {"root\0lvl\0m"sv, "FORWARD_LOG: level 'lvl' is not a decimal integer"},
                           {"root\0" "99999999999\0m"sv,
                            "FORWARD_LOG: level '99999999999' is out of range"}}) {
        auto r = parse_forward_log(B(in));
        ASSERT_FALSE(r) << in;
        EXPECT_EQ(r.error().code, Errc::bad_payload);
        EXPECT_EQ(r.error().message, msg);
    }
    // Decoded with 'replace', as the master does.
    l = parse_forward_log(B("r\xffoot\0" "30\0\xe2\x82"sv));
    ASSERT_TRUE(l);
    EXPECT_EQ(l->logger, "r\xef\xbf\xbdoot");
    EXPECT_EQ(l->message, "\xef\xbf\xbd");
}

TEST(PayloadsRaw, ForwardLogLevelIsIntOfTheDecodedText) {
    // The master calls int() on a str: Unicode decimal digits and spaces count,
    // \x1c-\x1f do not, and a U+FFFD from a bad byte is not a digit.
    const std::vector<std::string> probes = {"\xd9\xa3", "\xc2\xa0" "7\xe3\x80\x80", "\xd9\xa3_\xd9\xa4", "\x1c" "7",
                                             "\xc2\x85" "7", "\xef\xbc\x91\xef\xbc\x90", "\xf0\x9d\x9f\x98", "-\xdf\x82",
                                             "\xff" "7", "1_0", " 20 ", "\xe2\x80\xa8" "5", "\xe2\x80\x8b" "5",
                                             "\xe1\xa0\x8e" "5", "\xd9\xa3\xc2\xb2"};
    std::string input;
    for (const auto& p : probes) input += hex("lg\0"s + p + "\0m"s) + "\n";
    const std::string py = python(
        "import sys\n"
        "for l in sys.stdin:\n"
        "  t=bytes.fromhex(l.strip()).decode(\"utf-8\",\"replace\").split(chr(0),2)[1]\n"
        "  try: print(int(t))\n"
        "  except ValueError: print(\"x\")",
        input);
    std::string mine;
    for (const auto& p : probes) {
        auto r = parse_forward_log(B("lg\0"s + p + "\0m"s));
        mine += r ? std::to_string(r->level) + "\n" : "x\n";
    }
    EXPECT_EQ(mine, py);
    EXPECT_NE(py.find("3\n"), std::string::npos) << "the probes include a level the reference reads";
}

TEST(PayloadsRaw, ReplacementDecodingMatchesPython) {
    const auto seed = std::random_device{}();
    SCOPED_TRACE("seed=" + std::to_string(seed));
    std::mt19937 rng(seed);
    // Bytes biased toward UTF-8 lead and continuation bytes, so sequences are often nearly valid.
    const std::uint8_t pool[] = {'a', 0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
                                 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
    std::vector<std::string> samples;
    std::string input;
    for (int i = 0; i < 300; ++i) {
        std::string s;
        const int n = static_cast<int>(rng() % 12);
        for (int k = 0; k < n; ++k) s.push_back(static_cast<char>(pool[rng() % sizeof pool]));
        samples.push_back(s);
        input += hex(s) + "\n";
    }
    const std::string py = python(
        "import sys\n"
        "for l in sys.stdin:\n"
        "  print(bytes.fromhex(l.strip()).decode(\"utf-8\",\"replace\").encode(\"utf-8\",\"surrogatepass\").hex())",
        input);
    std::string mine;
    for (const auto& s : samples) {
        auto d = parse_dead(B(s));
        ASSERT_TRUE(d);
        mine += hex(d->reason) + "\n";
    }
    EXPECT_EQ(mine, py);
    // Strict decoding fails exactly where Python's replacement would change something.
    for (const auto& s : samples) {
        auto g = parse_get_module(B(s));
        EXPECT_EQ(static_cast<bool>(g), parse_dead(B(s))->reason == s) << hex(s);
    }
}

TEST(PayloadsRaw, CheckEmptyNamesTheHandle) {
    EXPECT_TRUE(check_empty(handle::DETACHING, {}));
    auto st = check_empty(handle::DETACHING, B("x"));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::bad_payload);
    EXPECT_EQ(st.error().message, "DETACHING: payload must be empty, got 1 bytes");
    st = check_empty(4000, B("xy"));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "handle 4000: payload must be empty, got 2 bytes");
}

TEST(PayloadsZlib, DeflateIsZlibCompressLevel9) {
    // protocol-notes §8: Blob(zlib.compress(b"X=2\n", 9)).
    EXPECT_EQ(hex(deflate_source("X=2\n")), "78da8bb035e20200028900d2");
    const std::string source =
        mitokit::testing::read_text("/usr/lib/python3/dist-packages/mitogen/parent.py");
    ASSERT_GT(source.size(), 10000u);
    const std::string py = python("import sys,zlib; print(zlib.compress(sys.stdin.buffer.read(), 9).hex())", source);
    EXPECT_EQ(hex(deflate_source(source)) + "\n", py);
}

TEST(PayloadsZlib, InflateRoundTripsAndFailsClearly) {
    const std::string source(70000, 'q');
    const std::string z = deflate_source(source);
    auto back = inflate_source(z);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, source);
    auto junk = inflate_source(z + "trailing");
    ASSERT_TRUE(junk); // as zlib.decompress
    EXPECT_EQ(*junk, source);

    auto capped = inflate_source(z, 69999);
    ASSERT_FALSE(capped);
    EXPECT_EQ(capped.error().code, Errc::decompress);
    EXPECT_EQ(capped.error().message.rfind("LOAD_MODULE: source inflates past 69999 bytes", 0), 0u);
    EXPECT_TRUE(inflate_source(z, 70000));

    auto cut = inflate_source(std::string_view(z).substr(0, z.size() - 3));
    ASSERT_FALSE(cut);
    EXPECT_EQ(cut.error().code, Errc::decompress);
    EXPECT_EQ(cut.error().message, "LOAD_MODULE: compressed source is truncated (incomplete zlib stream)");

    std::string bad = z;
    bad[2] = static_cast<char>(0xff);
    auto corrupt = inflate_source(bad);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(corrupt.error().code, Errc::decompress);
    EXPECT_EQ(corrupt.error().message.rfind("LOAD_MODULE: compressed source is not valid zlib data (", 0), 0u)
        << corrupt.error().message;
    EXPECT_FALSE(inflate_source(""));
}

} // namespace
} // namespace mitokit::payload
