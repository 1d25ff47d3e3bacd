"""Builds a synthetic capture that exercises what real captures rarely show:
a bootstrap whose preamble spans segments, many frames per segment, frames of
hundreds of KB, all three encodings, every standard handle, dead replies,
duplicate GET_MODULE, refused globals, malformed and deep pickles, a bad
encoding and an over-size length. Returns the frames it wrote as "truth".

Pickles are made by CPython's pickle with python3-mitogen's own classes, as a
mitogen master would make them."""

import hashlib
import pickle
import zlib

import mitogen.core as mc

from pcapgen import PcapWriter, TcpConversation, frame

MI, MJ, MK = 0x4D49, 0x4D4A, 0x4D4B

BOOT_PORTS = (40001, 47301)   # child link from connect time
BAD_ENC_PORTS = (40002, 47302)
OVERSIZE_PORTS = (40003, 47303)
MIDSTREAM_PORTS = (40004, 47304)  # a capture that starts inside a frame (found by port only)
LENIENT_PORTS = (40005, 47305)  # shapes the 0.3.3 receivers accept though mitogen never sends them


def p2(obj):
    return pickle.dumps(obj, protocol=2)


def call(module, func, args=(), kwargs=None, klass=None, chain=None):
    return p2((chain, module, klass, func, tuple(args), mc.Kwargs(kwargs or {})))


def load_module(name, source, path, pkg_present=None, related=()):
    return p2((name, pkg_present, path, mc.Blob(zlib.compress(source, 9)), list(related)))


def nested(depth):
    """[[[...]]] `depth` lists deep, written opcode by opcode (CPython's pickler recurses)."""
    return b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."


class Recorder:
    """Writes frames on a conversation and remembers them as the truth."""

    def __init__(self, conv, ports):
        self.conv = conv
        self.ports = ports
        self.truth = []
        self.pending = {"c": b"", "s": b""}

    def add(self, side, dst, src, handle, data, reply_to=0, enc=MI, label=""):
        self.pending[side] += frame(dst, src, handle, data, reply_to=reply_to, enc=enc)
        self.truth.append({"dir": "out" if side == "c" else "in", "port": self.ports[0], "magic": enc, "dst": dst,
                           "src": src, "auth": src, "handle": handle, "reply_to": reply_to, "len": len(data),
                           "sha1": hashlib.sha1(data).hexdigest(), "label": label})

    def flush(self, side, mss=65000):
        if self.pending[side]:
            self.conv.send(side, self.pending[side], mss)
            self.pending[side] = b""


def build(path):
    expectations = {}
    with PcapWriter(path) as w:
        # --- a child link from connect time: bootstrap, then frames ---------------------
        conv = TcpConversation(w, *BOOT_PORTS)
        r = Recorder(conv, BOOT_PORTS)
        core_src = b"# stand-in for mitogen.core\n" * 400
        config = b"{'parent_ids': [0], 'context_id': 1, 'debug': False, 'max_message_size': 134217728}"
        source = core_src + b"\nExternalContext(" + config + b").main()\n"
        preamble = zlib.compress(source, 9)
        expectations["preamble"] = (len(preamble), len(source))
        conv.send("s", b"MITO000\n")
        conv.send("c", preamble, mss=300)  # split across segments
        conv.send("s", b"MITO001\n")
        r.pending["s"] = b"MITO002\n"        # frames follow in the same segment
        r.add("s", 0, 1, 100, b"__main__", label="get_module_main")
        r.flush("s")

        r.add("c", 1, 0, 101, call("posix", "getpid"), reply_to=1000, enc=MJ, label="getpid")
        r.flush("c")
        r.add("s", 0, 1, 1000, p2(4242), enc=MJ, label="getpid_reply")
        r.flush("s")

        # many frames in one segment
        for i in range(20):
            r.add("c", 1, 0, 101, call("mymod", "work", args=(i, "x" * i), kwargs={"n": i}), reply_to=1100 + i,
                  enc=MJ, label=f"batch{i}")
        r.add("c", 1, 0, 107, load_module("__main__", b"def work(i, s, n):\n    return i\n", "/srv/app.py"),
              enc=MJ, label="load_main")
        r.flush("c")
        for i in range(20):
            r.add("s", 0, 1, 1100 + i, p2(i), enc=MJ)
        r.flush("s", mss=97)  # replies cut at odd places: headers split across segments

        # a 300 KB call split over many segments, and its reply
        big = bytes(range(256)) * 1200
        r.add("c", 1, 0, 101, call("builtins", "len", args=(big,)), reply_to=1001, enc=MJ, label="big_call")
        r.flush("c", mss=16384)
        r.add("s", 0, 1, 1001, p2(len(big)), enc=MJ, label="big_reply")
        r.flush("s")

        # a call answered by a dead reply
        r.add("c", 1, 0, 555, p2(None), reply_to=1002, enc=MJ, label="to_bad_handle")
        r.flush("c")
        r.add("s", 0, 1, 1002, b"invalid handle", reply_to=999, enc=MI, label="dead")
        r.flush("s")

        # module traffic: duplicate GET_MODULE, answer, an unrequested related module
        r.add("s", 0, 1, 100, b"mypkg", label="get_mypkg")
        r.add("s", 0, 1, 100, b"mypkg", label="get_mypkg_again")
        r.flush("s")
        r.add("c", 1, 0, 107, load_module("mypkg.util", b"X = 1\n", "/srv/mypkg/util.py"), enc=MJ,
              label="load_util")
        r.flush("c")
        r.add("c", 1, 0, 107, load_module("mypkg", b"from mypkg import util\n" * 300, "/srv/mypkg/__init__.py",
                                          pkg_present=["util"], related=["mypkg.util"]), enc=MJ, label="load_mypkg")
        r.flush("c")
        r.add("c", 1, 0, 107, p2(("json", None, None, None, ())), enc=MJ, label="load_negative")
        r.flush("c")

        # a failing call: CallError reply
        r.add("c", 1, 0, 101, call("mymod", "fail", klass="Thing"), reply_to=1003, enc=MJ, label="fail_call")
        r.flush("c")
        r.add("s", 0, 1, 1003, p2(mc.CallError("builtins.ValueError: boom\n  File x")), enc=MJ,
              label="call_error")
        r.flush("s")

        # routing, logging, ids, services, binary, shutdown
        r.add("s", 0, 1, 102, b"root\x0030\x00hello world", label="log")
        r.add("s", 0, 1, 103, b"3:grandchild", label="add_route")
        r.add("s", 0, 1, 105, b"", reply_to=1004, label="allocate_id")
        r.flush("s")
        r.add("c", 1, 0, 1004, p2((2, 1002)), enc=MJ, label="allocate_reply")
        r.add("c", 1, 0, 108, b"2\x00mypkg", label="forward_module")
        r.add("c", 1, 0, 110, p2(("mitogen.service.PushFileService", "get", mc.Kwargs({"path": "/x"}))),
              reply_to=1005, enc=MJ, label="call_service")
        r.add("c", 1, 0, 1006, b"\x00\x01binary\xff", enc=MK, label="binary")
        r.flush("c")
        r.add("s", 0, 1, 104, b"3", label="del_route")
        r.flush("s")

        # bytes after the pickle: an MI payload is one pickle to 0.3.3's Message.unpickle,
        # which never reads what follows; in MJ they must be pickles too
        tails = {"trailing_call": (101, call("mymod", "tail", args=(7,)), b"garbage"),
                 "trailing_reply": (1012, p2(7), p2(8))}
        for label, (handle, pk, extra) in tails.items():
            unpickle = lambda data: mc.Message(data=data).unpickle(throw=False)
            assert unpickle(pk + extra) == unpickle(pk), f"mitogen 0.3.3 reads {label} as its first pickle"
        r.add("c", 1, 0, 101, tails["trailing_call"][1] + tails["trailing_call"][2], reply_to=1012,
              label="trailing_call")
        r.flush("c")
        r.add("s", 0, 1, 1012, tails["trailing_reply"][1] + tails["trailing_reply"][2], label="trailing_reply")
        r.flush("s")
        r.add("c", 1, 0, 1013, p2(9) + b"\xff", enc=MJ, label="trailing_mj")
        r.flush("c")  # one message per segment: the test's filters select frames
        r.add("c", 1, 0, 101, p2([1, 2, 3]) + b"xyz", reply_to=1014, label="wrong_shape_tail")
        r.flush("c")
        expectations["trailing"] = {str(h): len(extra) for h, _, extra in tails.values()}

        # bad values: refused global, malformed, wrong shape, deep, huge
        r.add("c", 1, 0, 1007, p2({1, 2}), enc=MJ, label="refused")
        r.add("c", 1, 0, 1008, b"\x80\x02(K\x01K\x02", enc=MJ, label="malformed")
        r.add("c", 1, 0, 101, p2([1, 2, 3]), reply_to=1009, enc=MJ, label="wrong_shape")
        r.add("c", 1, 0, 1010, nested(2000), enc=MJ, label="deep")
        r.add("c", 1, 0, 1011, p2(list(range(50000))), enc=MJ, label="huge")
        r.add("c", 1, 0, 106, b"", label="shutdown")
        r.flush("c")
        truth = list(r.truth)

        # --- a link that breaks: bad encoding, then more data ---------------------------
        conv = TcpConversation(w, *BAD_ENC_PORTS)
        r = Recorder(conv, BAD_ENC_PORTS)
        r.add("c", 1, 0, 106, b"", label="before_bad")
        r.flush("c")
        conv.send("c", b"XX" + b"\x00" * 24 + b"junk")
        conv.send("c", b"more data after the corruption")
        truth += r.truth

        # --- a link with an over-size length ---------------------------------------------
        conv = TcpConversation(w, *OVERSIZE_PORTS)
        r = Recorder(conv, OVERSIZE_PORTS)
        r.add("s", 0, 1, 100, b"ok", label="before_oversize")
        r.flush("s")
        conv.send("s", frame(0, 1, 100, b"")[:22] + (200 * 1048576).to_bytes(4, "big") + b"partial")
        truth += r.truth

        # --- what the receivers accept beyond what mitogen sends: a false klass with a list
        # of arguments (Dispatcher._parse_request), a log level in Unicode digits (int() of
        # the decoded text), Secret service names (Pool._validate) ---------------------------
        conv = TcpConversation(w, *LENIENT_PORTS)
        r = Recorder(conv, LENIENT_PORTS)
        r.add("c", 1, 0, 101, p2((None, "faith", "", "run", [1, 2], {})), reply_to=1300, label="false_klass")
        r.flush("c")
        r.add("s", 0, 1, 102, "faith\x00\u0663\x00unicode level".encode(), label="log_unicode_level")
        r.flush("s")
        r.add("c", 1, 0, 110, p2((mc.Secret("svc.Faith"), mc.Secret("go"), {})), reply_to=1301, label="secret_service")
        r.flush("c")
        truth += r.truth

        # --- a capture that begins inside a frame -------------------------------------------
        conv = TcpConversation(w, *MIDSTREAM_PORTS, handshake=False)
        first = frame(1, 0, 101, call("mymod", "cut", args=("y" * 100,)), reply_to=1200, enc=MJ)
        later = [frame(1, 0, 101, call("mymod", "after", args=(i,)), reply_to=1201 + i, enc=MJ) for i in range(3)]
        # No segment starts with a header, so the heuristic never claims this link.
        conv.send("c", first[60:] + later[0] + later[1] + later[2][:40])
        conv.send("c", later[2][40:])
        expectations["midstream"] = [hashlib.sha1(f[26:]).hexdigest() for f in later]
    return truth, expectations
