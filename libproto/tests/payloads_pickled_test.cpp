// The pickled payloads against the reference: payloads pickled by python3-mitogen
// 0.3.3 (tests/data/payload_cases.py), the shared vectors and payloads, and the
// LOAD_MODULE frames of the real capture fixture.
#include "mitokit/payloads.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>

#include "mitokit/handles.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "support/near_misses.hpp"
#include "pickle_test_util.hpp"
#include "stream_test_util.hpp"

namespace mitokit::payload {
namespace {

using mitokit::testing::from_hex;
using mitokit::testing::read_file;
using pickle::Kind;

std::map<std::string, std::vector<std::uint8_t>> reference_cases() {
    const std::string cmd =
        std::string(MITOKIT_PYTHON) + " " + mitokit::testing::fixture_dir() + "payload_cases.py";
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
    std::map<std::string, std::vector<std::uint8_t>> out;
    char buf[65536];
    while (p && std::fgets(buf, sizeof buf, p.get())) {
        std::istringstream line(buf);
        std::string name, hex;
        line >> name >> hex;
        out[name] = from_hex(hex);
    }
    return out;
}

const std::map<std::string, std::vector<std::uint8_t>>& cases() {
    static const auto c = reference_cases();
    return c;
}

const std::vector<std::uint8_t>& ref(const std::string& name) {
    const auto it = cases().find(name);
    EXPECT_NE(it, cases().end()) << "python did not produce " << name;
    static const std::vector<std::uint8_t> none;
    return it == cases().end() ? none : it->second;
}

TEST(PayloadsPickled, CallFunctionParsesAndRebuildsByteForByte) {
    for (const char* name : {"cf_getpid", "cf_klass", "cf_chain", "cf_proxy"}) {
        SCOPED_TRACE(name);
        auto c = parse_call_function(ref(name));
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(build_call_function(*c), ref(name));
    }
    auto c = parse_call_function(ref("cf_klass"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->module, "mitogen.core");
    EXPECT_EQ(c->klass, "Dispatcher");
    EXPECT_EQ(c->function, "forget_chain");
    EXPECT_EQ(c->doc[c->chain_id].kind, Kind::none);
    ASSERT_EQ(c->doc[c->args].items.size(), 1u);
    EXPECT_EQ(c->doc[c->doc[c->args].items[0]].s, "host-1-2-3");
    EXPECT_EQ(c->doc[c->kwargs].kind, Kind::kwargs);
    c = parse_call_function(ref("cf_chain"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->doc[c->chain_id].s, "host-1234-7f00-5f5e100");
    EXPECT_FALSE(c->klass);
}

TEST(PayloadsPickled, CallFunctionParsedIntoAReusedValueForgetsThePreviousCall) {
    // One CallFunction reused for a call with a class, one with a chain, a bad one
    // and a plain one: each parse gives what a fresh parse gives.
    CallFunction into;
    ASSERT_TRUE(parse_call_function(ref("cf_klass"), into));
    EXPECT_EQ(into.klass, "Dispatcher");
    EXPECT_EQ(build_call_function(into), ref("cf_klass"));
    ASSERT_TRUE(parse_call_function(ref("cf_chain"), into));
    EXPECT_FALSE(into.klass);
    EXPECT_EQ(into.doc[into.chain_id].s, "host-1234-7f00-5f5e100");
    EXPECT_EQ(build_call_function(into), ref("cf_chain"));
    const std::vector<std::uint8_t> not_a_call{0x80, 0x02, 0x4e, 0x2e}; // None
    const auto bad = parse_call_function(not_a_call, into);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, parse_call_function(not_a_call).error().message);
    ASSERT_TRUE(parse_call_function(ref("cf_getpid"), into));
    EXPECT_EQ(into.module, "posix");
    EXPECT_EQ(into.function, "getpid");
    EXPECT_FALSE(into.klass);
    EXPECT_EQ(build_call_function(into), ref("cf_getpid"));
}

// Everything a parse leaves in a CallFunction, as one comparable value.
std::string parse_state(const Status& st, const CallFunction& c) {
    if (!st) return "error: " + st.error().message;
    std::string s = c.module + "|" + (c.klass ? *c.klass : "<none>") + "|" + c.function + "|" +
                    std::to_string(c.chain_id) + "|" + std::to_string(c.args) + "|" + std::to_string(c.kwargs) + "|" +
                    std::to_string(c.trailing_bytes) + "|" + std::to_string(c.doc.size()) + "|";
    for (std::size_t i = 0; i < c.doc.size(); ++i) {
        const auto& n = c.doc[static_cast<pickle::NodeId>(i)];
        s += std::to_string(static_cast<int>(n.kind)) + "," + std::to_string(n.flag) + "," + std::to_string(n.i) + "," +
             std::to_string(n.i2) + "," + n.s + ",";
        for (auto id : n.items) s += std::to_string(id) + " ";
        s += ";";
    }
    for (auto r : c.doc.roots()) s += std::to_string(r) + " ";
    return s;
}

TEST(PayloadsPickled, CallFunctionParsedAgainIsWhatAFreshParseGives) {
    // A sequence of payloads (repeats, near misses that differ in one byte or in
    // length, errors, another encoding) through one reused CallFunction: after each
    // step it holds what a fresh parse_call_function of that payload gives.
    std::vector<std::vector<std::uint8_t>> inputs;
    for (const char* name : {"cf_getpid", "cf_getpid", "cf_klass", "cf_klass", "cf_getpid", "cf_chain", "cf_proxy",
                             "cf_proxy"})
        inputs.push_back(ref(name));
    auto last_byte_changed = ref("cf_chain");
    last_byte_changed[last_byte_changed.size() / 2] ^= 1;
    inputs.push_back(ref("cf_chain"));
    inputs.push_back(last_byte_changed);
    inputs.push_back(last_byte_changed);
    inputs.push_back(ref("cf_chain"));
    auto with_trailing = ref("cf_getpid");
    with_trailing.push_back(0x4e); // MI: read the first pickle, count one trailing byte
    inputs.push_back(with_trailing);
    inputs.push_back(with_trailing);
    inputs.push_back(ref("cf_getpid"));
    auto truncated = ref("cf_getpid");
    truncated.pop_back();
    inputs.push_back(truncated);
    inputs.push_back(truncated);
    inputs.push_back(ref("cf_getpid"));
    inputs.push_back({0x80, 0x02, 0x4e, 0x2e}); // None: no call
    inputs.push_back(ref("cf_getpid"));
    inputs.push_back({});
    inputs.push_back(ref("cf_getpid"));
    CallFunction again;
    for (Encoding enc : {Encoding::legacy, Encoding::pickle, Encoding::legacy}) {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            SCOPED_TRACE(i);
            CallFunction fresh;
            const Status want = parse_call_function(inputs[i], fresh, {}, enc);
            const Status got = parse_call_function_again(inputs[i], again, enc);
            EXPECT_EQ(parse_state(got, again), parse_state(want, fresh));
            if (got) EXPECT_EQ(again.parsed_from, inputs[i]);
            else EXPECT_TRUE(again.parsed_from.empty());
        }
    }
    // A plain parse into the value forgets the record: the same bytes again decode.
    ASSERT_TRUE(parse_call_function_again(ref("cf_klass"), again));
    ASSERT_TRUE(parse_call_function(ref("cf_chain"), again));
    EXPECT_TRUE(again.parsed_from.empty());
    ASSERT_TRUE(parse_call_function_again(ref("cf_klass"), again));
    EXPECT_EQ(again.klass, "Dispatcher");
    EXPECT_EQ(build_call_function(again), ref("cf_klass"));
}

TEST(PayloadsPickled, CallFunctionParsedAgainSaysWhetherItReusedTheLastParse) {
    CallFunction c;
    bool reused = true;
    ASSERT_TRUE(parse_call_function_again(ref("cf_getpid"), c, Encoding::legacy, &reused));
    EXPECT_FALSE(reused); // nothing parsed before
    reused = false;
    ASSERT_TRUE(parse_call_function_again(ref("cf_getpid"), c, Encoding::legacy, &reused));
    EXPECT_TRUE(reused);
    ASSERT_TRUE(parse_call_function_again(ref("cf_getpid"), c, Encoding::pickle, &reused));
    EXPECT_FALSE(reused); // another encoding decodes again
    ASSERT_TRUE(parse_call_function_again(ref("cf_klass"), c, Encoding::pickle, &reused));
    EXPECT_FALSE(reused);
    EXPECT_EQ(c.klass, "Dispatcher");
    auto truncated = ref("cf_klass");
    truncated.pop_back();
    EXPECT_FALSE(parse_call_function_again(truncated, c, Encoding::pickle, &reused));
    EXPECT_FALSE(reused);
    ASSERT_TRUE(parse_call_function_again(ref("cf_klass"), c, Encoding::pickle, &reused));
    EXPECT_FALSE(reused); // the failed parse left nothing to reuse
    ASSERT_TRUE(parse_call_function_again(ref("cf_klass"), c, Encoding::pickle, &reused));
    EXPECT_TRUE(reused);
}

TEST(PayloadsPickled, CallFunctionBuiltFromFieldsMatchesTheReference) {
    CallFunction c; // os.getpid(): defaults give None chain, () args, Kwargs({})
    c.module = "posix";
    c.function = "getpid";
    EXPECT_EQ(build_call_function(c), ref("cf_getpid"));
    CallFunction k;
    k.module = "mitogen.core";
    k.klass = "Dispatcher";
    k.function = "forget_chain";
    k.args = k.doc.tuple({k.doc.str("host-1-2-3")});
    EXPECT_EQ(build_call_function(k), ref("cf_klass"));
    // The foreign-parent hex of protocol-notes §8 decodes to the same call.
    const auto shared = read_file(std::string(MITOKIT_SHARED_DIR) + "/payloads/call_function.bin");
    auto p = parse_call_function(shared);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->module, "posix");
    EXPECT_EQ(build_call_function(*p), shared);
}

TEST(PayloadsPickled, LoadModuleParsesAndRebuildsByteForByte) {
    for (const char* name : {"lm_module", "lm_package", "lm_negative", "lm_bytes"}) {
        SCOPED_TRACE(name);
        auto m = parse_load_module(ref(name));
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_EQ(build_load_module(*m), ref(name));
    }
    auto m = parse_load_module(ref("lm_package"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->fullname, "mypkg");
    EXPECT_EQ(m->pkg_present, (std::vector<std::string>{"deep", "sub", "util"}));
    EXPECT_EQ(m->path, "/tmp/mtest/mypkg/__init__.py");
    EXPECT_EQ(m->related, (std::vector<std::string>{"mypkg.util"}));
    EXPECT_FALSE(m->related_is_tuple);
    EXPECT_TRUE(m->compressed_is_blob);
    EXPECT_FALSE(m->is_negative());
    auto src = inflate_source(*m->compressed);
    ASSERT_TRUE(src);
    EXPECT_EQ(*src, "def f():\n    return 1\n");
    auto neg = parse_load_module(ref("lm_negative"));
    ASSERT_TRUE(neg);
    EXPECT_TRUE(neg->is_negative());
    EXPECT_EQ(build_load_module(LoadModule::negative("json")), ref("lm_negative"));
    EXPECT_EQ(build_load_module(LoadModule::negative("json")),
              from_hex("80022858040000006a736f6e71004e4e4e297471012e")); // protocol-notes §8
    auto by = parse_load_module(ref("lm_bytes"));
    ASSERT_TRUE(by);
    EXPECT_FALSE(by->compressed_is_blob);
}

TEST(PayloadsPickled, LoadModuleBuiltFromFieldsMatchesTheReference) {
    LoadModule m;
    m.fullname = "mypkg";
    m.pkg_present = std::vector<std::string>{"deep", "sub", "util"};
    m.path = "/tmp/mtest/mypkg/__init__.py";
    m.compressed = deflate_source("def f():\n    return 1\n");
    m.related = {"mypkg.util"};
    EXPECT_EQ(build_load_module(m), ref("lm_package"));
}

TEST(PayloadsPickled, SharedPayloadFilesRoundTrip) {
    const std::string dir = std::string(MITOKIT_SHARED_DIR) + "/payloads/";
    for (const char* f : {"call_function.bin", "call_function_chain.bin", "call_function_echo_100b.bin",
                          "call_function_noop.bin"}) {
        SCOPED_TRACE(f);
        const auto data = read_file(dir + f);
        auto c = parse_call_function(data);
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(build_call_function(*c), data);
    }
    for (const char* f : {"load_module_small.bin", "load_module_parent.bin"}) {
        SCOPED_TRACE(f);
        const auto data = read_file(dir + f);
        auto m = parse_load_module(data);
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_EQ(build_load_module(*m), data);
        ASSERT_TRUE(m->compressed);
        EXPECT_TRUE(inflate_source(*m->compressed));
    }
}

// The shared vectors' typed payloads, both versions: parse, rebuild, same bytes.
TEST(PayloadsPickled, SharedVectorsRebuildByteForByte) {
    int checked = 0;
    for (const char* file : {"mitogen-0.3.3.jsonl", "mitogen-0.3.52.jsonl"}) {
        std::istringstream in(mitokit::testing::read_text(std::string(MITOKIT_SHARED_DIR) + "/vectors/" + file));
        std::string line;
        const std::regex name_re("\"name\": \"([^\"]*)\""), frame_re("\"frame\": \"([0-9a-f]*)\"");
        while (std::getline(in, line)) {
            std::smatch nm, fr;
            ASSERT_TRUE(std::regex_search(line, nm, name_re) && std::regex_search(line, fr, frame_re));
            const std::string name = nm[1].str();
            SCOPED_TRACE(std::string(file) + " " + name);
            const auto frame = from_hex(fr[1].str());
            const std::vector<std::uint8_t> body(frame.begin() + HEADER_SIZE, frame.end());
            if (name.rfind("call_function", 0) == 0) {
                auto c = parse_call_function(body);
                ASSERT_TRUE(c) << c.error().message;
                EXPECT_EQ(build_call_function(*c), body);
            } else if (name.rfind("load_module", 0) == 0) {
                auto m = parse_load_module(body);
                ASSERT_TRUE(m) << m.error().message;
                EXPECT_EQ(build_load_module(*m), body);
            } else if (name == "allocate_id_reply") {
                auto a = parse_allocate_id_reply(body);
                ASSERT_TRUE(a) << a.error().message;
                EXPECT_EQ(build_allocate_id_reply(*a), body);
            } else {
                continue;
            }
            ++checked;
        }
    }
    EXPECT_EQ(checked, 10);
}

TEST(PayloadsPickled, CallServiceAndAllocateId) {
    for (const char* name : {"cs_get", "cs_empty"}) {
        SCOPED_TRACE(name);
        auto c = parse_call_service(ref(name));
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(build_call_service(*c), ref(name));
    }
    CallService s;
    s.service = "svc.Klass";
    s.method = "m";
    EXPECT_EQ(build_call_service(s), ref("cs_empty"));
    auto a = parse_allocate_id_reply(ref("ai_reply"));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->start, 2);
    EXPECT_EQ(a->end, 1002);
    EXPECT_EQ(build_allocate_id_reply(*a), from_hex("80024b024dea038671002e")); // protocol-notes §8
    EXPECT_EQ(build_allocate_id_reply({1001002, 1002002}), ref("ai_big"));
}

TEST(PayloadsPickled, AllocateIdRepliesWrittenAndReadAsTheEncoderAndDecoderDo) {
    // The reply's shortcut both ways: built, the encoder's bytes for the tuple; read,
    // the values the decoder finds, or for any near miss the general path's answer.
    const std::vector<std::int64_t> values = {0, 1, 255, 256, 65535, 65536, 1002002, INT32_MAX, -1, -256, INT32_MIN,
                                              std::int64_t{INT32_MAX} + 1, std::int64_t{INT32_MIN} - 1,
                                              std::int64_t{1} << 40};
    std::vector<std::vector<std::uint8_t>> payloads;
    for (std::int64_t a : values)
        for (std::int64_t b : values) {
            pickle::Document d;
            std::vector<std::uint8_t> want;
            ASSERT_TRUE(pickle::encode(d, d.tuple({d.integer(a), d.integer(b)}), want));
            EXPECT_EQ(build_allocate_id_reply({a, b}), want) << a << " " << b;
            payloads.push_back(want);
        }
    const auto base = build_allocate_id_reply({1000, 2000});
    testing::add_near_misses(base, {1, 0x80, 0x20}, payloads);
    payloads.push_back(from_hex("80024b024dea0386942e"));   // MEMOIZE in place of BINPUT
    payloads.push_back(from_hex("80024b024dea03862e"));     // no memo put
    payloads.push_back(from_hex("80024b02884dea038671002e")); // a third value
    payloads.push_back(from_hex("8002884dea038671002e"));   // True as the start
    payloads.push_back(from_hex("80034b024dea038671002e")); // protocol 3
    payloads.push_back(ref("ok_ai_list"));
    payloads.push_back(ref("ok_ai_bool"));
    for (Encoding enc : {Encoding::legacy, Encoding::pickle}) {
        for (std::size_t i = 0; i < payloads.size(); ++i) {
            SCOPED_TRACE(std::to_string(i) + " " + std::to_string(static_cast<int>(enc)));
            const auto got = parse_allocate_id_reply(payloads[i], enc);
            // The decoder's reading of the same bytes.
            pickle::Document d;
            auto trailing = decode_pickles(payloads[i], d, enc);
            const bool plain = trailing && d.roots().size() == 1 && *trailing == 0 &&
                               d[d.root()].kind == Kind::tuple && d[d.root()].items.size() == 2 &&
                               d[d[d.root()].items[0]].kind == Kind::integer &&
                               d[d[d.root()].items[1]].kind == Kind::integer;
            if (plain) {
                ASSERT_TRUE(got) << got.error().message;
                EXPECT_EQ(got->start, d[d[d.root()].items[0]].i);
                EXPECT_EQ(got->end, d[d[d.root()].items[1]].i);
                EXPECT_EQ(got->trailing_bytes, 0u);
            } else if (!trailing || d.roots().size() != 1) {
                EXPECT_FALSE(got); // the decoder's refusal, named: the general path's
            }
        }
    }
}

TEST(PayloadsPickled, ShapesTheReceiversAcceptThoughNeverSent) {
    auto m = parse_load_module(ref("ok_lm_list"));
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->pkg_present, (std::vector<std::string>{"a"}));
    EXPECT_TRUE(m->related_is_tuple);
    auto c = parse_call_function(ref("ok_cf_list"));
    ASSERT_TRUE(c) << c.error().message;
    auto a = parse_allocate_id_reply(ref("ok_ai_list"));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->end, 6);
    auto b = parse_allocate_id_reply(ref("ok_ai_bool"));
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->start, 1);
    EXPECT_EQ(b->end, 3);
}

TEST(PayloadsPickled, CallFunctionNamesAsTheDispatcherReadsThem) {
    // A false klass of any type is no class (the reference calls posix.getpid).
    for (const char* name : {"ok_cf_klass_empty", "ok_cf_klass_zero", "ok_cf_klass_false", "ok_cf_klass_tuple"}) {
        SCOPED_TRACE(name);
        auto c = parse_call_function(ref(name));
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(c->module, "posix");
        EXPECT_FALSE(c->klass);
        EXPECT_EQ(c->function, "getpid");
    }
    auto s = parse_call_function(ref("ok_cf_secret_names"));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->module, "os.path");
    EXPECT_FALSE(s->klass) << "Secret('') is false";
    EXPECT_EQ(s->function, "join");
    ASSERT_EQ(s->doc[s->kwargs].items.size(), 2u);
    EXPECT_EQ(s->doc[s->doc[s->kwargs].items[0]].kind, Kind::secret);
    auto cs = parse_call_service(ref("ok_cs_secret_names"));
    ASSERT_TRUE(cs) << cs.error().message;
    EXPECT_EQ(cs->service, "svc.Name");
    EXPECT_EQ(cs->method, "get");
    // A true klass that is not a str fails getattr in the receiver.
    auto b = parse_call_function(ref("bad_cf_klass_bytes"));
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().message, "CALL_FUNCTION: field 2 (klass) must be str or None, got bytes");
}

TEST(PayloadsPickled, WrongShapesNameTheHandleAndTheField) {
    const std::map<std::string, std::string> want = {
        {"bad_cf_short", "CALL_FUNCTION: payload must be a 6-tuple (chain_id, modname, klass, funcname, args, "
                         "kwargs), got a tuple of 5"},
        {"bad_cf_modname", "CALL_FUNCTION: field 1 (modname) must be str, got bytes"},
        {"bad_cf_klass", "CALL_FUNCTION: field 2 (klass) must be str or None, got int"},
        {"bad_cf_args", "CALL_FUNCTION: field 4 (args) must be a tuple, got dict"},
        {"bad_cf_kwargs", "CALL_FUNCTION: field 5 (kwargs) must be Kwargs or dict, got list"},
        {"bad_cf_key", "CALL_FUNCTION: field 5 (kwargs) keys must be str, got int"},
        {"bad_cf_chain", "CALL_FUNCTION: field 0 (chain_id) must be None or str (hashable), got list"},
        {"bad_cf_notuple",
         "CALL_FUNCTION: payload must be a 6-tuple (chain_id, modname, klass, funcname, args, kwargs), got str"},
        {"bad_lm_four", "LOAD_MODULE: payload must be a 5-tuple (fullname, pkg_present, path, compressed, related), "
                        "got a tuple of 4"},
        {"bad_lm_name", "LOAD_MODULE: field 0 (fullname) must be str, got bytes"},
        {"bad_lm_present", "LOAD_MODULE: field 1 (pkg_present) must be a list of str or None, got str"},
        {"bad_lm_present_item", "LOAD_MODULE: field 1 (pkg_present) items must be str, got bytes"},
        {"bad_lm_path", "LOAD_MODULE: field 2 (path) must be str or None, got int"},
        {"bad_lm_compressed", "LOAD_MODULE: field 3 (compressed) must be Blob, bytes or None, got str"},
        {"bad_lm_related", "LOAD_MODULE: field 4 (related) must be a list or tuple of str, got None"},
        {"bad_lm_related_item", "LOAD_MODULE: field 4 (related) items must be str, got int"},
        {"bad_cs_list", "CALL_SERVICE: payload must be a 3-tuple (service_name, method_name, kwargs), got list"},
        {"bad_cs_method", "CALL_SERVICE: field 1 (method_name) must be str, got None"},
        {"bad_cs_kwargs", "CALL_SERVICE: field 2 (kwargs) must be Kwargs or dict, got tuple"},
        {"bad_ai_one", "ALLOCATE_ID: payload must be a 2-tuple (start, end), got a tuple of 1"},
        {"bad_ai_str", "ALLOCATE_ID: field 0 (start) must be int, got str"},
        {"bad_ai_big", "ALLOCATE_ID: field 0 (start) is out of range: 1180591620717411303424"},
    };
    for (const auto& [name, msg] : want) {
        SCOPED_TRACE(name);
        const auto& data = ref(name);
        ASSERT_FALSE(data.empty());
        Error e{Errc::truncated, {}, 0};
        if (name.rfind("bad_cf", 0) == 0) {
            auto r = parse_call_function(data);
            ASSERT_FALSE(r);
            e = r.error();
        } else if (name.rfind("bad_lm", 0) == 0) {
            auto r = parse_load_module(data);
            ASSERT_FALSE(r);
            e = r.error();
        } else if (name.rfind("bad_cs", 0) == 0) {
            auto r = parse_call_service(data);
            ASSERT_FALSE(r);
            e = r.error();
        } else {
            auto r = parse_allocate_id_reply(data);
            ASSERT_FALSE(r);
            e = r.error();
        }
        EXPECT_EQ(e.code, Errc::bad_payload);
        EXPECT_EQ(e.message, msg);
    }
}

TEST(PayloadsPickled, PickleErrorsArePassedOnWithTheHandle) {
    const auto set = from_hex("8002635f5f6275696c74696e5f5f0a7365740a29522e"); // __builtin__.set()
    auto r = parse_call_function(set);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::refused_global);
    EXPECT_EQ(r.error().message.rfind("CALL_FUNCTION: ", 0), 0u) << r.error().message;
    const auto two = from_hex("80024e2e80024e2e");
    auto t = parse_load_module(two, {}, Encoding::pickle);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, Errc::bad_payload);
    EXPECT_EQ(t.error().message, "LOAD_MODULE: payload holds 2 pickles, want 1");
    auto cut = parse_call_service(from_hex("80024e"));
    ASSERT_FALSE(cut);
    EXPECT_EQ(cut.error().message.rfind("CALL_SERVICE: ", 0), 0u);
}

// tr_<case>: the reference's payload with bytes after it, which 0.3.3's
// Message.unpickle accepted with the bare payload's value (payload_cases.py checks).
struct Trailing {
    std::vector<std::uint8_t> data;
    std::size_t extra = 0;
};
Trailing trailing(const std::string& base) {
    const auto& bare = ref(base);
    Trailing t{payload::ref("tr_" + base)};
    EXPECT_GT(t.data.size(), bare.size());
    EXPECT_TRUE(std::equal(bare.begin(), bare.end(), t.data.begin())) << "tr_" << base << " starts with " << base;
    t.extra = t.data.size() - bare.size();
    return t;
}

TEST(PayloadsPickled, LegacyPayloadsIgnoreBytesAfterThePickle) {
    {
        for (const char* base : {"cf_chain", "cf_getpid"}) {
            SCOPED_TRACE(base);
            const auto t = trailing(base);
            auto c = parse_call_function(t.data);
            ASSERT_TRUE(c) << c.error().message;
            EXPECT_EQ(c->trailing_bytes, t.extra);
            EXPECT_EQ(build_call_function(*c), ref(base)); // the same value, written as the reference does
            // The reusing form reports it too, and forgets it on the next call.
            CallFunction into;
            ASSERT_TRUE(parse_call_function(t.data, into));
            EXPECT_EQ(into.trailing_bytes, t.extra);
            ASSERT_TRUE(parse_call_function(ref(base), into));
            EXPECT_EQ(into.trailing_bytes, 0u);
        }
    }
    {
        const auto t = trailing("lm_package");
        auto m = parse_load_module(t.data);
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_EQ(m->trailing_bytes, t.extra);
        EXPECT_EQ(m->trailing_bytes, 5u); // P(5): 80 02 4b 05 2e
        EXPECT_EQ(build_load_module(*m), ref("lm_package"));
    }
    {
        const auto t = trailing("cs_get");
        auto c = parse_call_service(t.data);
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(c->trailing_bytes, t.extra);
        EXPECT_EQ(build_call_service(*c), ref("cs_get"));
    }
    {
        const auto t = trailing("ai_reply");
        auto a = parse_allocate_id_reply(t.data);
        ASSERT_TRUE(a) << a.error().message;
        EXPECT_EQ(a->trailing_bytes, t.extra);
        EXPECT_EQ(a->start, 2);
        EXPECT_EQ(a->end, 1002);
    }
    // Without a tail, nothing is reported.
    for (const char* base : {"cf_chain", "lm_package", "cs_get", "ai_reply"}) {
        SCOPED_TRACE(base);
        Header h{Encoding::legacy, 1, 0, 0, 0, 0, 0};
        h.handle = base[0] == 'c' ? (base[1] == 'f' ? handle::CALL_FUNCTION : handle::CALL_SERVICE)
                                  : base[0] == 'l' ? handle::LOAD_MODULE : handle::FIRST_DYNAMIC;
        auto bare = parse_any(h, ref(base));
        ASSERT_TRUE(bare) << bare.error().message;
        EXPECT_EQ(trailing_bytes(*bare), 0u);
        const auto t = trailing(base);
        auto tail = parse_any(h, t.data);
        ASSERT_TRUE(tail) << tail.error().message;
        EXPECT_EQ(tail->index(), bare->index());
        EXPECT_EQ(trailing_bytes(*tail), t.extra);
    }
}

// The value the reference yields for each tr_ payload is the one we parse.
TEST(PayloadsPickled, TrailingPayloadsMatchTheReference) {
    const std::vector<std::string> bases = {"cf_chain", "cf_getpid", "lm_package", "cs_get", "ai_reply"};
    std::vector<std::string> hexes;
    for (const auto& b : bases) hexes.push_back(pickle::test::hex(payload::ref("tr_" + b)));
    const auto theirs = pickle::test::oracle("loads", hexes);
    ASSERT_EQ(theirs.size(), hexes.size()) << "the oracle did not answer (python: " MITOKIT_PYTHON ")";
    for (std::size_t i = 0; i < bases.size(); ++i) {
        SCOPED_TRACE(bases[i]);
        ASSERT_NE(theirs[i].rfind("ERR", 0), 0u) << theirs[i];
        const Header h{Encoding::legacy, 1, 0, 0, handle::FIRST_DYNAMIC, 0, 0}; // a reply: Pickled
        auto t = parse_any(h, payload::ref("tr_" + bases[i]));
        ASSERT_TRUE(t) << t.error().message;
        const auto& p = std::get<Pickled>(*t);
        ASSERT_EQ(p.doc.roots().size(), 1u);
        std::string ours;
        ASSERT_TRUE(pickle::to_json(p.doc, p.doc.root(), ours));
        EXPECT_EQ(ours, theirs[i]);
        EXPECT_EQ(p.trailing_bytes, payload::ref("tr_" + bases[i]).size() - payload::ref(bases[i]).size());
    }
}

// MJ (0.3.39+) payloads are pickles to their end: a tail is an error there.
TEST(PayloadsPickled, PickleEncodingReadsThePayloadToItsEnd) {
    const auto garbage = trailing("cf_chain");
    Header h{Encoding::pickle, 1, 0, 0, handle::CALL_FUNCTION, 0, 0};
    auto g = parse_any(h, garbage.data);
    ASSERT_FALSE(g);
    const std::size_t at = garbage.data.size() - garbage.extra;
    EXPECT_EQ(g.error().offset, at);
    // "garbage" starts with GET ('g'), whose line never ends.
    EXPECT_EQ(g.error().message, "CALL_FUNCTION: pickle data was truncated (GET at offset " + std::to_string(at) + ")");
    const auto second = trailing("lm_package");
    h.handle = handle::LOAD_MODULE;
    auto s = parse_any(h, second.data);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "LOAD_MODULE: payload holds 2 pickles, want 1");
    auto direct = parse_allocate_id_reply(trailing("ai_reply").data, Encoding::pickle);
    ASSERT_FALSE(direct);
    EXPECT_EQ(direct.error().message.rfind("ALLOCATE_ID: invalid load key, '\\xff'.", 0), 0u) << direct.error().message;
    // A reply in MJ keeps every pickle, one root each, and has no tail.
    h.handle = handle::FIRST_DYNAMIC;
    auto r = parse_any(h, second.data);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(std::get<Pickled>(*r).doc.roots().size(), 2u);
    EXPECT_EQ(trailing_bytes(*r), 0u);
    // The same reply in MI is its first pickle and a 5-byte tail.
    h.enc = Encoding::legacy;
    auto l = parse_any(h, second.data);
    ASSERT_TRUE(l) << l.error().message;
    EXPECT_EQ(std::get<Pickled>(*l).doc.roots().size(), 1u);
    EXPECT_EQ(trailing_bytes(*l), 5u);
}

// parse_any on every shared vector: the kind each one must come out as.
TEST(PayloadsPickled, ParseAnyChoosesByHeader) {
    const std::map<std::string, std::size_t> kind = {
        {"call_function_getpid", 5}, {"call_function_chain", 5}, {"load_module_negative", 6},
        {"load_module_pkg", 6},      {"dead_reply", 4},          {"get_module", 0},
        {"add_route", 2},            {"del_route", 2},           {"forward_log", 1},
        {"forward_module", 3},       {"shutdown", 10},           {"binary_enc", 10},
    };
    for (const char* file : {"mitogen-0.3.3.jsonl", "mitogen-0.3.52.jsonl"}) {
        std::istringstream in(mitokit::testing::read_text(std::string(MITOKIT_SHARED_DIR) + "/vectors/" + file));
        std::string line;
        const std::regex name_re("\"name\": \"([^\"]*)\""), frame_re("\"frame\": \"([0-9a-f]*)\"");
        int n = 0;
        while (std::getline(in, line)) {
            std::smatch nm, fr;
            ASSERT_TRUE(std::regex_search(line, nm, name_re) && std::regex_search(line, fr, frame_re));
            const std::string name = nm[1].str();
            SCOPED_TRACE(std::string(file) + " " + name);
            const auto frame = from_hex(fr[1].str());
            auto h = decode_header(std::span(frame).first(HEADER_SIZE));
            ASSERT_TRUE(h);
            auto t = parse_any(*h, std::span(frame).subspan(HEADER_SIZE));
            ASSERT_TRUE(t) << t.error().message;
            const auto it = kind.find(name);
            const std::size_t want = it != kind.end() ? it->second : 9; // replies: Pickled
            EXPECT_EQ(t->index(), want);
            if (name == "multi_pickle") {
                EXPECT_EQ(std::get<Pickled>(*t).doc.roots().size(), 3u);
            }
            ++n;
        }
        EXPECT_GE(n, 20);
    }
    Header shutdown{Encoding::legacy, 1, 0, 0, handle::SHUTDOWN, 0, 1};
    const std::uint8_t x[] = {'x'};
    auto bad = parse_any(shutdown, x);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "SHUTDOWN: payload must be empty, got 1 bytes");
}

// Every message of the real links (0.3.52 capture, 0.3.3 recordings) parses, and
// every LOAD_MODULE among them is a well-formed tuple whose source inflates.
TEST(PayloadsPickled, RealLinksParse) {
    std::vector<DecodedStream::Item> items;
    for (const char* f : {"mitogen-0.3.52-child2-p2c.bin", "mitogen-0.3.52-child2-c2p.bin",
                          "mitogen-0.3.3-local-p2c.bin", "mitogen-0.3.3-local-c2p.bin",
                          "mitogen-0.3.3-fork-p2c.bin", "mitogen-0.3.3-fork-c2p.bin"}) {
        auto got = decode_all(read_file(mitokit::testing::fixture_dir() + f)).items;
        ASSERT_FALSE(got.empty()) << f;
        items.insert(items.end(), got.begin(), got.end());
    }
    int loads = 0;
    for (const auto& it : items) {
        if (it.kind != DecodedStream::Item::Kind::message) continue;
        auto t = parse_any(it.header, it.payload);
        ASSERT_TRUE(t) << "frame at " << it.offset << ": " << t.error().message;
        if (const auto* m = std::get_if<LoadModule>(&*t)) {
            ++loads;
            if (m->compressed) {
                auto src = inflate_source(*m->compressed);
                EXPECT_TRUE(src) << m->fullname;
            }
        }
    }
    EXPECT_GE(loads, 7);
}

} // namespace
} // namespace mitokit::payload
