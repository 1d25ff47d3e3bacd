// Protocol 2 exactly as CPython's C pickler writes it for fresh objects: which
// objects get a memo slot, in which order, batching of APPENDS/SETITEMS by
// 1000, and the reduce shapes of bytes and of mitogen's classes.
#include "mitokit/pickle/encoder.hpp"

#include <cstring>
#include <string>
#include <string_view>

#include "bigint.hpp"
#include "opcodes.hpp"
#include "text.hpp"

namespace mitokit::pickle {

namespace op = detail::op;

class EncodeRun {
public:
    EncodeRun(Encoder& e, const Document& doc, std::vector<std::uint8_t>& out)
        : e_(e), doc_(doc), out_(out), start_(out.size()) {}

    Status top(NodeId root) {
        byte(op::PROTO);
        byte(2);
        if (e_.opt_.upstream_top_bytes && doc_[root].kind == Kind::bytes) {
            const std::string& s = doc_[root].s;
            byte(op::BINSTRING);
            u32(static_cast<std::uint32_t>(s.size()));
            raw(s);
        } else if (auto st = save(root, 0); !st) {
            return st;
        }
        byte(op::STOP);
        return {};
    }

private:
    void byte(std::uint8_t b) { out_.push_back(b); }
    void u32(std::uint32_t v) {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                                   static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
        out_.insert(out_.end(), b, b + 4);
    }
    void raw(std::string_view s) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
        out_.insert(out_.end(), p, p + s.size());
    }

    std::uint32_t put() {
        const std::uint32_t idx = e_.next_++;
        if (idx < 256) {
            byte(op::BINPUT);
            byte(static_cast<std::uint8_t>(idx));
        } else {
            byte(op::LONG_BINPUT);
            u32(idx);
        }
        return idx;
    }
    void get(std::uint32_t idx) {
        if (idx < 256) {
            byte(op::BINGET);
            byte(static_cast<std::uint8_t>(idx));
        } else {
            byte(op::LONG_BINGET);
            u32(idx);
        }
    }

    static constexpr std::size_t kEmptyStr = 512, kEmptyBytes = 513, kLatin1 = 514, kGlobals = 515;

    void global(Callable c) {
        const std::size_t key = kGlobals + static_cast<std::size_t>(c);
        if (e_.has(key)) return get(e_.slot_[key]);
        static constexpr std::string_view kText[] = {
            "mitogen.core\n_unpickle_call_error\n", "mitogen.core\n_unpickle_context\n", "mitogen.core\n_unpickle_sender\n",
            "mitogen.core\nBlob\n", "mitogen.core\nSecret\n", "mitogen.core\nKwargs\n", "_codecs\nencode\n", "__builtin__\nbytes\n"};
        byte(op::GLOBAL);
        raw(kText[static_cast<std::size_t>(c)]);
        e_.set(key, put());
    }

    // A str object; `cacheable` says whether CPython would hand out its shared
    // singleton for this text (empty, or one code point below U+0100).
    void str(std::string_view s, bool cacheable) {
        std::size_t key = SIZE_MAX;
        if (cacheable) {
            if (s.empty()) {
                key = kEmptyStr;
            } else if (s.size() <= 2) {
                std::size_t i = 0;
                const std::uint32_t cp = detail::utf8_next(s, i);
                if (i == s.size() && cp < 256) key = cp;
            }
        }
        if (key != SIZE_MAX && e_.has(key)) return get(e_.slot_[key]);
        byte(op::BINUNICODE);
        u32(static_cast<std::uint32_t>(s.size()));
        raw(s);
        const std::uint32_t idx = put();
        if (key != SIZE_MAX) e_.set(key, idx);
    }

    void bytes(std::string_view s) {
        const std::size_t key = s.empty() ? kEmptyBytes : s.size() == 1 ? 256 + static_cast<unsigned char>(s[0]) : SIZE_MAX;
        if (key != SIZE_MAX && e_.has(key)) return get(e_.slot_[key]);
        if (s.empty()) {
            global(Callable::bytes);
            byte(op::EMPTY_TUPLE);
        } else {
            global(Callable::codecs_encode);
            detail::latin1_to_utf8(s, scratch_);
            str(scratch_, true);
            if (e_.has(kLatin1)) {
                get(e_.slot_[kLatin1]);
            } else {
                byte(op::BINUNICODE);
                u32(6);
                raw("latin1");
                e_.set(kLatin1, put());
            }
            byte(op::TUPLE2);
            put();
        }
        byte(op::REDUCE);
        const std::uint32_t idx = put();
        if (key != SIZE_MAX) e_.set(key, idx);
    }

    void integer(std::int64_t v) {
        if (v >= 0 && v < 256) {
            byte(op::BININT1);
            byte(static_cast<std::uint8_t>(v));
        } else if (v >= 0 && v < 65536) {
            byte(op::BININT2);
            byte(static_cast<std::uint8_t>(v));
            byte(static_cast<std::uint8_t>(v >> 8));
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            byte(op::BININT);
            u32(static_cast<std::uint32_t>(v));
        } else {
            std::uint8_t b[9];
            std::size_t n = 8;
            for (std::size_t k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * k));
            // Shortest two's complement, as encode_long trims it.
            while (n > 1 && ((b[n - 1] == 0 && !(b[n - 2] & 0x80)) || (b[n - 1] == 0xff && (b[n - 2] & 0x80)))) --n;
            byte(op::LONG1);
            byte(static_cast<std::uint8_t>(n));
            out_.insert(out_.end(), b, b + n);
        }
    }

    void big_integer(std::string_view dec) {
        detail::decimal_to_le(dec, le_);
        if (le_.size() < 256) {
            byte(op::LONG1);
            byte(static_cast<std::uint8_t>(le_.size()));
        } else {
            byte(op::LONG4);
            u32(static_cast<std::uint32_t>(le_.size()));
        }
        out_.insert(out_.end(), le_.begin(), le_.end());
    }

    void floating(double f) {
        std::uint64_t bits;
        std::memcpy(&bits, &f, 8);
        byte(op::BINFLOAT);
        for (int k = 7; k >= 0; --k) byte(static_cast<std::uint8_t>(bits >> (8 * k)));
    }

    Status batched(const std::vector<NodeId>& items, std::size_t stride, std::uint8_t one, std::uint8_t many, std::size_t depth) {
        const std::size_t n = items.size() / stride;
        if (n == 0) return {};
        if (n == 1) {
            for (std::size_t k = 0; k < stride; ++k)
                if (auto st = save(items[k], depth); !st) return st;
            byte(one);
            return {};
        }
        std::size_t done = 0;
        // CPython's batch_dict_exact writes an empty MARK/SETITEMS after a full last
        // batch; batch_list_exact does not.
        const bool dict_style = stride == 2;
        do {
            byte(op::MARK);
            std::size_t batch = 0;
            for (; done < n && batch < 1000; ++done, ++batch)
                for (std::size_t k = 0; k < stride; ++k)
                    if (auto st = save(items[done * stride + k], depth); !st) return st;
            byte(many);
            if (!dict_style && done == n) break;
            if (dict_style && batch < 1000) break;
        } while (true);
        return {};
    }

    Status save(NodeId id, std::size_t depth) {
        if (depth > e_.opt_.max_depth)
            return make_error(Errc::limit, "value nests deeper than max_depth=" + std::to_string(e_.opt_.max_depth) + " (or contains itself)");
        if (out_.size() - start_ > e_.opt_.max_output)
            return make_error(Errc::limit, "pickle exceeds max_output=" + std::to_string(e_.opt_.max_output) + " bytes");
        const Node& n = doc_[id];
        ++depth;
        switch (n.kind) {
        case Kind::none: byte(op::NONE); return {};
        case Kind::boolean: byte(n.flag ? op::NEWTRUE : op::NEWFALSE); return {};
        case Kind::integer: integer(n.i); return {};
        case Kind::big_integer: big_integer(n.s); return {};
        case Kind::floating: floating(n.f); return {};
        case Kind::str: str(n.s, true); return {};
        case Kind::bytes: bytes(n.s); return {};
        case Kind::tuple: {
            const std::size_t size = n.items.size();
            if (size == 0) {
                byte(op::EMPTY_TUPLE);
                return {};
            }
            if (size > 3) byte(op::MARK);
            for (NodeId c : n.items)
                if (auto st = save(c, depth); !st) return st;
            byte(size == 1 ? op::TUPLE1 : size == 2 ? op::TUPLE2 : size == 3 ? op::TUPLE3 : op::TUPLE);
            put();
            return {};
        }
        case Kind::list:
            byte(op::EMPTY_LIST);
            put();
            return batched(n.items, 1, op::APPEND, op::APPENDS, depth);
        case Kind::dict:
            byte(op::EMPTY_DICT);
            put();
            return batched(n.items, 2, op::SETITEM, op::SETITEMS, depth);
        case Kind::kwargs: {
            global(Callable::kwargs);
            byte(op::EMPTY_DICT); // dict(self)
            put();
            if (auto st = batched(n.items, 2, op::SETITEM, op::SETITEMS, depth); !st) return st;
            return finish_reduce(op::TUPLE1);
        }
        case Kind::blob:
            global(Callable::blob);
            bytes(n.s); // bytes(self): CPython's shared object when 0 or 1 bytes long
            return finish_reduce(op::TUPLE1);
        case Kind::secret:
            global(Callable::secret);
            str(n.s, n.s.empty()); // str(self) copies, except the empty string
            return finish_reduce(op::TUPLE1);
        case Kind::call_error:
            global(Callable::call_error);
            str(n.s, true);
            return finish_reduce(op::TUPLE1);
        case Kind::context:
            global(Callable::context);
            integer(n.i);
            if (n.flag && !n.s.empty()) str(n.s, true);
            else byte(op::NONE);
            return finish_reduce(op::TUPLE2);
        case Kind::sender:
            global(Callable::sender);
            integer(n.i);
            integer(n.i2);
            return finish_reduce(op::TUPLE2);
        default:
            return make_error(Errc::unsupported, std::string("cannot encode a ") + python_type_name(n.kind, n.i) +
                                                     ": it has no canonical JSON and mitogen's unpickler refuses its protocol-2 form");
        }
    }

    Status finish_reduce(std::uint8_t tuple_op) {
        byte(tuple_op);
        put();
        byte(op::REDUCE);
        put();
        return {};
    }

    Encoder& e_;
    const Document& doc_;
    std::vector<std::uint8_t>& out_;
    std::size_t start_;
    std::string scratch_;
    std::vector<std::uint8_t> le_;
};

void Encoder::reset() {
    next_ = 0;
    valid_.fill(0);
}

Status Encoder::encode(const Document& doc, NodeId root, std::vector<std::uint8_t>& out) {
    if (root >= doc.size()) return make_error(Errc::bad_value, "encode: root " + std::to_string(root) + " is not a node of the document");
    const std::size_t before = out.size();
    EncodeRun run(*this, doc, out);
    Status st = run.top(root);
    if (!st) out.resize(before);
    return st;
}

Status encode(const Document& doc, NodeId root, std::vector<std::uint8_t>& out, const EncodeOptions& opt) {
    Encoder e(opt);
    return e.encode(doc, root, out);
}

Status encode_sequence(const Document& doc, std::span<const NodeId> roots, std::vector<std::uint8_t>& out, const EncodeOptions& opt) {
    Encoder e(opt);
    for (NodeId r : roots)
        if (auto st = e.encode(doc, r, out); !st) return st;
    return {};
}

} // namespace mitokit::pickle
