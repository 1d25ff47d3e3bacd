"""The plugin loads from the user's plugin folder, as an unprivileged tshark sees it,
and registers its protocol, fields, expert infos and statistics tree."""

import wstest

EXPECTED_FIELDS = [
    "mitogen.encoding", "mitogen.dst", "mitogen.src", "mitogen.auth", "mitogen.handle", "mitogen.reply_to",
    "mitogen.length", "mitogen.payload", "mitogen.call.module", "mitogen.call.class", "mitogen.call.function",
    "mitogen.call.args", "mitogen.call.kwargs", "mitogen.call.chain_id", "mitogen.load_module.fullname",
    "mitogen.load_module.pkg_present", "mitogen.load_module.path", "mitogen.load_module.related",
    "mitogen.load_module.compressed_size", "mitogen.load_module.source_size", "mitogen.load_module.source",
    "mitogen.get_module.fullname", "mitogen.log.name", "mitogen.log.level", "mitogen.log.text",
    "mitogen.route.id", "mitogen.route.name", "mitogen.forward_module.target", "mitogen.dead.reason",
    "mitogen.call_error", "mitogen.pickle.json", "mitogen.response_in", "mitogen.request_in", "mitogen.time",
    "mitogen.bootstrap", "mitogen.bootstrap.preamble_size",
]
EXPECTED_EXPERTS = [
    "mitogen.bad_encoding", "mitogen.oversize", "mitogen.refused_global", "mitogen.malformed_pickle",
    "mitogen.bad_payload", "mitogen.dead_reply", "mitogen.duplicate_get_module", "mitogen.limit",
]


def main():
    args = wstest.parse_args()
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        plugins = sb.tshark(["-G", "plugins"]).stdout
        fails.check(any(line.startswith("mitogen.so") for line in plugins.splitlines()),
                    "tshark -G plugins does not list mitogen.so:\n" + plugins)
        fails.check(sb.plugin_dir in plugins, f"mitogen.so not loaded from {sb.plugin_dir}")
        protocols = sb.tshark(["-G", "protocols"]).stdout
        fails.check(any(line.split("\t")[2:3] == ["mitogen"] for line in protocols.splitlines()),
                    "protocol mitogen not registered")
        names = {line.split("\t")[2] for line in sb.tshark(["-G", "fields"]).stdout.splitlines()
                 if line.count("\t") >= 2}
        for f in EXPECTED_FIELDS:
            fails.check(f in names, f"field {f} not registered")
        # Expert infos are registered as fields of their own.
        for e in EXPECTED_EXPERTS:
            fails.check(e in names, f"expert info {e} not registered")
        prefs = sb.tshark(["-G", "currentprefs"]).stdout
        fails.check("mitogen.max_message_size: 134217728" in prefs, "max_message_size preference missing")
        # The port range preference (also behind Decode As) is not listed by -G; tshark
        # refuses unknown preferences, so setting it proves it exists.
        cap = sb.add_file(args.shared + "/captures/mitogen-0.3.52-basic/real.pcapng")
        ok = sb.tshark(["-o", "mitogen.tcp.port:4000-4010", "-r", cap, "-c", "1"], check=False).returncode == 0
        fails.check(ok, "preference mitogen.tcp.port not accepted")
        bad = sb.tshark(["-o", "mitogen.no_such_pref:1", "-r", cap, "-c", "1"], check=False).returncode != 0
        fails.check(bad, "tshark accepted an unknown mitogen preference: the check above proves nothing")
        heur = sb.tshark(["-G", "heuristic-decodes"]).stdout
        fails.check("tcp\tmitogen\tT" in heur, "heuristic not registered (enabled) on tcp:\n" + heur)
    fails.finish()


if __name__ == "__main__":
    main()
