"""A synthesized capture (synth_capture.py) through the plugin: reassembly, the
bootstrap, typed fields, filters, request/response links, expert infos and the
statistics tree."""

import os

import synth_capture
import wstest
from test_truth import compare


def frames_matching(sb, cap, display_filter, field="frame.number", aggregator=",", two_pass=False):
    rows = wstest.fields(sb, cap, [field], (["-2"] if two_pass else []) + ["-Y", display_filter], aggregator)
    return [v for row in rows for v in row[0]]


def main():
    args = wstest.parse_args()
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        cap = sb.writable("synthetic.pcap")
        truth, expect = synth_capture.build(cap)
        os.chmod(cap, 0o644)

        # Every frame, in order per direction, with its header and payload bytes.
        seen = wstest.messages(sb, cap)
        ports = [[p, 0] for p in sorted({t["port"] for t in truth})]
        compare(fails, seen, truth, ports, "synthetic")

        # A link whose capture began inside a frame: found through the port, resynchronised
        # on the first plausible header.
        mid = [m for m in wstest.messages(sb, cap, ["-o", f"mitogen.tcp.port:{synth_capture.MIDSTREAM_PORTS[1]}"])
               if m["srcport"] == synth_capture.MIDSTREAM_PORTS[0]]
        fails.check([m["sha1"] for m in mid] == expect["midstream"],
                    f"mid-stream link: {len(mid)} frames, expected the 3 after the cut one")
        cut = frames_matching(sb, cap, "mitogen.midstream", two_pass=False)
        fails.check(len(cut) == 0, f"mid-stream bytes flagged without the port preference: {cut}")

        # The bootstrap: three markers and the preamble (split over segments) with its sizes.
        markers = frames_matching(sb, cap, "mitogen.bootstrap.marker", "mitogen.bootstrap.marker")
        fails.check(markers == ["MITO000", "MITO001", "MITO002"], f"bootstrap markers {markers}")
        sizes = wstest.fields(sb, cap, ["mitogen.bootstrap.preamble_size", "mitogen.bootstrap.inflated_size"],
                              ["-Y", "mitogen.bootstrap.preamble_size"])
        got = [(int(r[0][0]), int(r[1][0])) for r in sizes]
        fails.check(got == [expect["preamble"]], f"preamble (compressed, inflated) {got} != {[expect['preamble']]}")
        config = frames_matching(sb, cap, "mitogen.bootstrap.config", "mitogen.bootstrap.config", "|")
        fails.check(len(config) == 1 and "'context_id': 1" in config[0], f"preamble config {config}")

        # Filters named in the issue, and typed payload fields.
        n101 = sum(1 for t in truth if t["handle"] == 101)
        got101 = wstest.fields(sb, cap, ["mitogen.handle"], ["-Y", "mitogen.handle == 101"])
        fails.check(sum(r[0].count("101") for r in got101) == n101,
                    f"mitogen.handle == 101: {sum(r[0].count('101') for r in got101)} messages, expected {n101}")
        fn = frames_matching(sb, cap, 'mitogen.call.function == "getpid"', "mitogen.call.module")
        fails.check(fn == ["posix"], f'mitogen.call.function == "getpid" -> modules {fn}')
        lm = frames_matching(sb, cap, 'mitogen.load_module.fullname contains "mypkg"',
                             "mitogen.load_module.fullname")
        fails.check(sorted(lm) == ["mypkg", "mypkg.util"], f"load_module fullname filter -> {lm}")
        rel = frames_matching(sb, cap, 'mitogen.load_module.fullname == "mypkg"', "mitogen.load_module.related")
        fails.check("mypkg.util" in rel, f"LOAD_MODULE related {rel}")
        pkg = frames_matching(sb, cap, 'mitogen.load_module.fullname == "mypkg"', "mitogen.load_module.pkg_present")
        fails.check("util" in pkg, f"LOAD_MODULE pkg_present {pkg}")
        src = frames_matching(sb, cap, 'mitogen.load_module.fullname == "mypkg"', "mitogen.load_module.source_size")
        fails.check(src == [str(len(b"from mypkg import util\n" * 300))], f"LOAD_MODULE source_size {src}")
        neg = frames_matching(sb, cap, "mitogen.load_module.negative == 1", "mitogen.load_module.fullname")
        fails.check(neg == ["json"], f"negative LOAD_MODULE {neg}")
        cls = frames_matching(sb, cap, 'mitogen.call.class == "Thing"', "mitogen.call.function")
        fails.check(cls == ["fail"], f"call.class filter {cls}")
        kw = frames_matching(sb, cap, 'mitogen.call.kwargs contains "\\"n\\""', "mitogen.call.function")
        fails.check(len(kw) == 20, f"call.kwargs JSON holds the kwargs: {len(kw)} of 20")
        log = wstest.fields(sb, cap, ["mitogen.log.name", "mitogen.log.level", "mitogen.log.text"],
                            ["-Y", 'mitogen.log.name == "root"'])
        fails.check([[c[0] for c in r] for r in log] == [["root", "30", "hello world"]], f"FORWARD_LOG {log}")
        # Shapes the receivers accept though mitogen never sends them.
        lvl = frames_matching(sb, cap, 'mitogen.log.name == "faith"', "mitogen.log.level")
        fails.check(lvl == ["3"], f"FORWARD_LOG level '\\u0663' is int() 3: {lvl}")
        lenient = frames_matching(sb, cap, 'mitogen.call.module == "faith"', "mitogen.call.function")
        fails.check(lenient == ["run"], f"CALL_FUNCTION with a false klass parses: {lenient}")
        klass = frames_matching(sb, cap, 'mitogen.call.module == "faith" && mitogen.call.class', "frame.number")
        fails.check(klass == [], f"a false klass is no class: {klass}")
        info = frames_matching(sb, cap, 'mitogen.call.module == "faith"', "_ws.col.Info", "|")
        fails.check(any("faith.run(1, 2)" in i for i in info), f"a list of arguments reads as a call: {info}")
        svc = frames_matching(sb, cap, 'mitogen.call_service.service == "svc.Faith"', "mitogen.call_service.method")
        fails.check(svc == ["go"], f"CALL_SERVICE with Secret names: {svc}")
        route = frames_matching(sb, cap, "mitogen.route.name", "mitogen.route.name")
        fails.check(route == ["grandchild"], f"ADD_ROUTE name {route}")
        err = frames_matching(sb, cap, "mitogen.call_error", "mitogen.call_error")
        fails.check(len(err) == 1 and "boom" in err[0], f"CallError text {err}")
        dead = frames_matching(sb, cap, "mitogen.dead.reason", "mitogen.dead.reason")
        fails.check(dead == ["invalid handle"], f"dead reason {dead}")
        ids = wstest.fields(sb, cap, ["mitogen.allocate_id.start", "mitogen.allocate_id.end"],
                            ["-Y", "mitogen.allocate_id.start"])
        fails.check([[c[0] for c in r] for r in ids] == [["2", "1002"]], f"ALLOCATE_ID reply {ids}")
        js = frames_matching(sb, cap, "mitogen.handle == 1004", "mitogen.pickle.json", "|")
        fails.check('{"tuple":[2,1002]}' in js, f"canonical JSON {js}")

        # Bytes after the pickle of an MI payload: the value as mitogen 0.3.3 reads it,
        # the ignored bytes marked and counted; in MJ they are a malformed pickle.
        tail = wstest.fields(sb, cap, ["mitogen.handle", "mitogen.pickle.trailing", "mitogen.pickle.count",
                                       "_ws.expert.message"], ["-Y", "mitogen.trailing_bytes && !mitogen.bad_payload"],
                            "|")
        got = {r[0][0]: (len(bytes.fromhex(r[1][0].replace(":", ""))), r[2], r[3]) for r in tail if r[0] and r[1]}
        fails.check(sorted(got) == sorted(expect["trailing"]), f"frames with trailing bytes {sorted(got)}")
        for h, n in expect["trailing"].items():
            if h not in got:
                continue
            size, count, experts = got[h]
            fails.check(size == n, f"handle {h}: mitogen.pickle.trailing has {size} bytes, expected {n}")
            fails.check(count == ["1"], f"handle {h}: pickle count {count}, expected the first pickle only")
            fails.check(f"{n} trailing bytes after the pickle ignored, as mitogen 0.3.3 does" in experts,
                        f"handle {h}: expert messages {experts}")
        fn = frames_matching(sb, cap, "mitogen.trailing_bytes", "mitogen.call.function")
        fails.check(fn == ["tail"], f"CALL_FUNCTION with a tail parsed as its first pickle: {fn}")
        js = frames_matching(sb, cap, "mitogen.handle == 1012", "mitogen.pickle.json")
        fails.check(js == ["7"], f"MI reply with two pickles shows the first: {js}")
        shape = wstest.fields(sb, cap, ["mitogen.pickle.trailing", "mitogen.pickle.json"],
                              ["-Y", "mitogen.bad_payload && mitogen.trailing_bytes"], "|")
        fails.check([[c for c in r] for r in shape] == [[["78797a"], ["[1,2,3]"]]],
                    f"wrong-shape MI call with a tail: value and tail still shown: {shape}")
        mj_bad = frames_matching(sb, cap, "mitogen.handle == 1013 && mitogen.malformed_pickle")
        mj_tail = frames_matching(sb, cap, "mitogen.handle == 1013 && mitogen.trailing_bytes")
        fails.check(len(mj_bad) == 1 and not mj_tail, f"MJ payload with a tail: malformed {mj_bad}, trailing {mj_tail}")

        # Request/response links both ways, with the time between.
        # Links to later frames need tshark's second pass (-2), as in the GUI.
        rows = wstest.fields(sb, cap, ["frame.number", "mitogen.response_in"],
                             ["-2", "-Y", 'mitogen.call.function == "getpid"'])
        req_frame = rows[0][0][0] if rows else None
        resp = rows[0][1][0] if rows and rows[0][1] else None
        fails.check(resp is not None, "getpid call has no Response in")
        back = wstest.fields(sb, cap, ["mitogen.request_in", "mitogen.time"], ["-Y", f"frame.number == {resp}"]) \
            if resp else []
        fails.check(bool(back) and back[0][0] == [req_frame] and back[0][1],
                    f"reply frame {resp} does not point back to request {req_frame}: {back}")
        big = frames_matching(sb, cap, 'mitogen.call.function == "len"', "mitogen.response_in", two_pass=True)
        fails.check(len(big) == 1, f"300 KB call linked to its reply: {big}")
        dead_in = frames_matching(sb, cap, "mitogen.dead_in", "mitogen.handle", two_pass=True)
        fails.check(dead_in == ["555"], f"dead reply marked on its request: {dead_in}")
        gm = frames_matching(sb, cap, 'mitogen.get_module.fullname == "mypkg" && mitogen.load_module_in',
                             "mitogen.load_module_in", two_pass=True)
        fails.check(len(gm) == 1, f"GET_MODULE linked to its LOAD_MODULE: {gm}")
        unreq = frames_matching(sb, cap, "mitogen.load_module.unrequested", "mitogen.load_module.fullname")
        fails.check("mypkg.util" in unreq and "mypkg" not in unreq, f"unrequested LOAD_MODULEs {unreq}")

        # Expert infos.
        for name, minimum in [("mitogen.dead_reply", 1), ("mitogen.duplicate_get_module", 1),
                              ("mitogen.refused_global", 1), ("mitogen.malformed_pickle", 1),
                              ("mitogen.bad_payload", 1), ("mitogen.limit", 2), ("mitogen.bad_encoding", 1),
                              ("mitogen.after_failure", 1), ("mitogen.oversize", 1), ("mitogen.call_error.expert", 1)]:
            n = len(frames_matching(sb, cap, name))
            fails.check(n >= minimum, f"expert {name}: {n} frames, expected at least {minimum}")
        bad_ports = wstest.fields(sb, cap, ["tcp.srcport"], ["-Y", "mitogen.bad_encoding"])
        fails.check(all(r[0] == [str(synth_capture.BAD_ENC_PORTS[0])] for r in bad_ports),
                    f"bad encoding flagged outside its link: {bad_ports}")
        # Malformed only where the input is: our own expert infos of group Malformed.
        malformed = set(frames_matching(sb, cap, "_ws.malformed"))
        ours = set(frames_matching(sb, cap, "mitogen.bad_encoding || mitogen.oversize || mitogen.malformed_pickle"))
        fails.check(malformed <= ours, f"frames malformed beyond what the input explains: {sorted(malformed - ours)}")
        text = sb.tshark(["-r", cap, "-V"]).stdout
        fails.check("Dissector bug" not in text, "tshark -V reports a dissector bug")
        fails.check("[Malformed Packet" not in text, "tshark -V reports a malformed packet (exception)")

        # Statistics tree.
        stats = sb.tshark(["-r", cap, "-q", "-z", "mitogen,tree"]).stdout
        for needle in ("Messages by handle", "CALL_FUNCTION", "LOAD_MODULE", "Payload bytes by handle",
                       "Messages by context pair", "0 -> 1", "1 -> 0"):
            fails.check(needle in stats, f"-z mitogen,tree lacks {needle!r}:\n{stats}")
        n_calls = sum(1 for t in truth if t["handle"] == 101)
        line = next((ln for ln in stats.splitlines() if ln.strip().startswith("CALL_FUNCTION")), "")
        fails.check(line.split()[1:2] == [str(n_calls)], f"CALL_FUNCTION count line {line!r}, expected {n_calls}")
    fails.finish()


if __name__ == "__main__":
    main()
