// Protocol, fields, subtrees, expert infos, preferences and handoff.
#include "registration.hpp"

#include <array>

#include "dissector.hpp"
#include "mitokit/frame.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/stream_decoder.hpp"
#include "registry.hpp"
#include "stats.hpp"

namespace mitokit::ws {

Registry& registry() noexcept {
    static Registry r;
    return r;
}

namespace {

const value_string encoding_names[] = {
    {0x4d49, "MI (legacy: raw or pickle by handle)"},
    {0x4d4a, "MJ (pickles)"},
    {0x4d4b, "MK (raw bytes)"},
    {0, nullptr},
};

const value_string reply_to_names[] = {
    {0, "no reply wanted"},
    {handle::IS_DEAD, "IS_DEAD"},
    {0, nullptr},
};

const value_string boot_kind_names[] = {
    {static_cast<guint32>(BootstrapKind::noise), "noise line"},
    {static_cast<guint32>(BootstrapKind::mito000), "MITO000 (first stage ready for the preamble)"},
    {static_cast<guint32>(BootstrapKind::preamble), "preamble (compressed core source and config)"},
    {static_cast<guint32>(BootstrapKind::mito001), "MITO001 (first stage passed the source on)"},
    {static_cast<guint32>(BootstrapKind::mito002), "MITO002 (context up, frames follow)"},
    {0, nullptr},
};

void build_handle_names(Registry& r) {
    r.handle_names.clear();
    for (std::uint32_t h = 0; h <= handle::IS_DEAD; ++h) {
        std::string_view name = handle_name(h);
        if (!name.empty()) r.handle_names.push_back({h, name.data()});
    }
    r.handle_names.push_back({0, nullptr});
}

void register_fields(Registry& r) {
    Hf& f = r.hf;
    const void* handles = r.handle_names.data();
    // clang-format off
    static std::array hf = std::to_array<hf_register_info>({
        {&f.header, {"Header", "mitogen.header", FT_NONE, BASE_NONE, nullptr, 0, "The 26-byte frame header", HFILL}},
        {&f.encoding, {"Encoding", "mitogen.encoding", FT_UINT16, BASE_HEX, VALS(encoding_names), 0, "First header field: MI, MJ or MK (a magic before 0.3.39)", HFILL}},
        {&f.dst, {"Destination context", "mitogen.dst", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.src, {"Source context", "mitogen.src", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.auth, {"Authority context", "mitogen.auth", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.handle, {"Handle", "mitogen.handle", FT_UINT32, BASE_DEC | BASE_SPECIAL_VALS, handles, 0, "Destination handle", HFILL}},
        {&f.reply_to, {"Reply to", "mitogen.reply_to", FT_UINT32, BASE_DEC | BASE_SPECIAL_VALS, VALS(reply_to_names), 0, "Handle for the reply; 999 marks a dead message", HFILL}},
        {&f.length, {"Length", "mitogen.length", FT_UINT32, BASE_DEC, nullptr, 0, "Payload length", HFILL}},
        {&f.payload, {"Payload", "mitogen.payload", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},

        {&f.boot_kind, {"Bootstrap", "mitogen.bootstrap", FT_UINT8, BASE_DEC, VALS(boot_kind_names), 0, "Child bootstrap step before frames", HFILL}},
        {&f.boot_marker, {"Marker", "mitogen.bootstrap.marker", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.boot_preamble_size, {"Preamble size", "mitogen.bootstrap.preamble_size", FT_UINT64, BASE_DEC, nullptr, 0, "Compressed preamble bytes on the wire", HFILL}},
        {&f.boot_inflated_size, {"Inflated size", "mitogen.bootstrap.inflated_size", FT_UINT64, BASE_DEC, nullptr, 0, "Decompressed preamble bytes", HFILL}},
        {&f.boot_config, {"Child config", "mitogen.bootstrap.config", FT_STRING, BASE_NONE, nullptr, 0, "The config dict literal the preamble passes to ExternalContext", HFILL}},
        {&f.boot_noise, {"Noise line", "mitogen.bootstrap.noise", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.boot_continuation, {"Bootstrap data", "mitogen.bootstrap.data", FT_BYTES, BASE_NONE, nullptr, 0, "Part of a bootstrap step that ends in a later segment", HFILL}},
        {&f.midstream, {"Data before the first whole frame", "mitogen.midstream", FT_BYTES, BASE_NONE, nullptr, 0, "The capture began inside a frame", HFILL}},
        {&f.undissected, {"Data after the connection was dropped", "mitogen.undissected", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},

        {&f.get_module_fullname, {"Module requested", "mitogen.get_module.fullname", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.log_name, {"Logger", "mitogen.log.name", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.log_level, {"Level", "mitogen.log.level", FT_INT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.log_text, {"Message", "mitogen.log.text", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.route_id, {"Route context", "mitogen.route.id", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.route_name, {"Route name", "mitogen.route.name", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.fwd_target, {"Forward target", "mitogen.forward_module.target", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.fwd_fullname, {"Forward module", "mitogen.forward_module.fullname", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.dead_reason, {"Dead reason", "mitogen.dead.reason", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},

        {&f.call_chain_id, {"Chain id", "mitogen.call.chain_id", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.call_module, {"Module", "mitogen.call.module", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.call_class, {"Class", "mitogen.call.class", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.call_function, {"Function", "mitogen.call.function", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.call_args, {"Args", "mitogen.call.args", FT_STRING, BASE_NONE, nullptr, 0, "Positional arguments (canonical JSON)", HFILL}},
        {&f.call_kwargs, {"Kwargs", "mitogen.call.kwargs", FT_STRING, BASE_NONE, nullptr, 0, "Keyword arguments (canonical JSON)", HFILL}},

        {&f.lm_fullname, {"Module", "mitogen.load_module.fullname", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.lm_is_package, {"Is package", "mitogen.load_module.is_package", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.lm_pkg_present, {"Package member", "mitogen.load_module.pkg_present", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.lm_path, {"Path", "mitogen.load_module.path", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.lm_related, {"Related module", "mitogen.load_module.related", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.lm_compressed_size, {"Compressed size", "mitogen.load_module.compressed_size", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.lm_source_size, {"Source size", "mitogen.load_module.source_size", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.lm_source, {"Source", "mitogen.load_module.source", FT_STRING, BASE_NONE, nullptr, 0, "Module source, cut at the preference's size", HFILL}},
        {&f.lm_negative, {"Negative reply", "mitogen.load_module.negative", FT_BOOLEAN, BASE_NONE, nullptr, 0, "The master could not serve the module", HFILL}},

        {&f.alloc_start, {"First id", "mitogen.allocate_id.start", FT_INT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.alloc_end, {"End id (exclusive)", "mitogen.allocate_id.end", FT_INT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
        {&f.svc_service, {"Service", "mitogen.call_service.service", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.svc_method, {"Method", "mitogen.call_service.method", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.svc_kwargs, {"Kwargs", "mitogen.call_service.kwargs", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.call_error, {"CallError", "mitogen.call_error", FT_STRING, BASE_NONE, nullptr, 0, "Text of a CallError reply", HFILL}},

        {&f.pickle_json, {"Value (JSON)", "mitogen.pickle.json", FT_STRING, BASE_NONE, nullptr, 0, "Canonical JSON of one pickle in the payload", HFILL}},
        {&f.pickle_count, {"Pickles", "mitogen.pickle.count", FT_UINT32, BASE_DEC, nullptr, 0, "Pickles in the payload", HFILL}},
        {&f.pickle_trailing, {"Ignored trailing bytes", "mitogen.pickle.trailing", FT_BYTES, BASE_NONE, nullptr, 0, "Bytes after the first pickle of an MI payload: mitogen 0.3.3 never reads them", HFILL}},
        {&f.value, {"Value", "mitogen.value", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},

        {&f.response_in, {"Response in", "mitogen.response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, nullptr, HFILL}},
        {&f.request_in, {"Request in", "mitogen.request_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, nullptr, HFILL}},
        {&f.time, {"Time since request", "mitogen.time", FT_RELATIVE_TIME, BASE_NONE, nullptr, 0, nullptr, HFILL}},
        {&f.dead_in, {"Dead reply in", "mitogen.dead_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, nullptr, HFILL}},
        {&f.load_module_in, {"LOAD_MODULE in", "mitogen.load_module_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, nullptr, HFILL}},
        {&f.get_module_in, {"GET_MODULE in", "mitogen.get_module_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, nullptr, HFILL}},
        {&f.related_of, {"Pushed unrequested", "mitogen.load_module.unrequested", FT_BOOLEAN, BASE_NONE, nullptr, 0, "Sent without a GET_MODULE for it (a related module)", HFILL}},
    });
    // clang-format on
    proto_register_field_array(r.proto, hf.data(), static_cast<int>(hf.size()));

    static std::array<gint*, 6> ett = {&r.ett.proto, &r.ett.header, &r.ett.payload,
                                       &r.ett.value, &r.ett.bootstrap, &r.ett.list};
    proto_register_subtree_array(ett.data(), static_cast<int>(ett.size()));
}

void register_expert(Registry& r) {
    Ei& e = r.ei;
    // clang-format off
    static std::array ei = std::to_array<ei_register_info>({
        {&e.bad_encoding, {"mitogen.bad_encoding", PI_MALFORMED, PI_ERROR, "Bad encoding/magic: the reference drops the connection here", EXPFILL}},
        {&e.oversize, {"mitogen.oversize", PI_MALFORMED, PI_ERROR, "Length over the maximum message size: the reference drops the connection here", EXPFILL}},
        {&e.after_failure, {"mitogen.after_failure", PI_SEQUENCE, PI_NOTE, "Data after the stream was dropped for corruption", EXPFILL}},
        {&e.refused_global, {"mitogen.refused_global", PI_PROTOCOL, PI_ERROR, "Pickle names a global the receiver refuses", EXPFILL}},
        {&e.malformed_pickle, {"mitogen.malformed_pickle", PI_MALFORMED, PI_ERROR, "Malformed pickle", EXPFILL}},
        {&e.bad_payload, {"mitogen.bad_payload", PI_PROTOCOL, PI_WARN, "Payload of the wrong shape for its handle", EXPFILL}},
        {&e.dead_reply, {"mitogen.dead_reply", PI_RESPONSE_CODE, PI_WARN, "Dead reply", EXPFILL}},
        {&e.duplicate_get_module, {"mitogen.duplicate_get_module", PI_SEQUENCE, PI_WARN, "Duplicate GET_MODULE", EXPFILL}},
        {&e.limit, {"mitogen.limit", PI_UNDECODED, PI_NOTE, "Value shown only in part: a display limit was reached", EXPFILL}},
        {&e.decompress, {"mitogen.decompress", PI_MALFORMED, PI_WARN, "Compressed data does not inflate", EXPFILL}},
        {&e.call_error, {"mitogen.call_error.expert", PI_RESPONSE_CODE, PI_NOTE, "Call failed (CallError reply)", EXPFILL}},
        {&e.bootstrap, {"mitogen.bootstrap_error", PI_MALFORMED, PI_ERROR, "Bootstrap cannot be decoded", EXPFILL}},
        {&e.unanswered, {"mitogen.unanswered", PI_SEQUENCE, PI_CHAT, "No reply seen in the capture", EXPFILL}},
        {&e.trailing_bytes, {"mitogen.trailing_bytes", PI_PROTOCOL, PI_WARN, "Bytes after the pickle, ignored as mitogen 0.3.3 ignores them", EXPFILL}},
    });
    // clang-format on
    expert_module_t* m = expert_register_protocol(r.proto);
    expert_register_field_array(m, ei.data(), static_cast<int>(ei.size()));
}

void register_prefs(Registry& r) {
    module_t* m = prefs_register_protocol(r.proto, nullptr);
    Prefs& p = r.prefs;
    prefs_register_uint_preference(m, "max_message_size", "Maximum message size",
        "Frames whose length field exceeds this are flagged and end dissection of the direction, "
        "as the reference drops the connection (its default: 134217728)", 10, &p.max_message_size);
    prefs_register_bool_preference(m, "show_source", "Inflate LOAD_MODULE sources",
        "Decompress module sources to show their size and text", &p.show_source);
    prefs_register_uint_preference(m, "max_source_shown", "LOAD_MODULE source shown (bytes)",
        "Module source text in the tree is cut at this many bytes", 10, &p.max_source_shown);
    prefs_register_uint_preference(m, "max_tree_items", "Value tree items per message",
        "Pickle value trees stop after this many items, with an expert note", 10, &p.max_tree_items);
    prefs_register_uint_preference(m, "max_json_bytes", "Canonical JSON shown per pickle (bytes)",
        "Longer values get no mitogen.pickle.json field, with an expert note", 10, &p.max_json_bytes);
    prefs_register_uint_preference(m, "max_pickle_depth", "Maximum pickle nesting",
        "Deeper pickles are refused by the decoder, with an expert note", 10, &p.max_pickle_depth);
}

} // namespace

void proto_register_mitogen() {
    Registry& r = registry();
    build_handle_names(r);
    r.proto = proto_register_protocol("Mitogen", "Mitogen", "mitogen");
    register_fields(r);
    register_expert(r);
    register_prefs(r);
    r.handle = register_dissector("mitogen", dissect_mitogen, r.proto);
    r.tap = register_tap("mitogen");
    register_stats_tree();
}

void proto_reg_handoff_mitogen() {
    Registry& r = registry();
    // An empty default range: mitogen has no port of its own. The preference and
    // Decode As both come with this call.
    dissector_add_uint_range_with_preference("tcp.port", "", r.handle);
    heur_dissector_add("tcp", dissect_mitogen_heur, "Mitogen over TCP", "mitogen_tcp", r.proto,
                       HEURISTIC_ENABLE);
}

} // namespace mitokit::ws
