// Everything the plugin registers with epan: protocol, field, subtree and expert
// ids, and the preference variables. epan's C API writes these through pointers
// at registration time and reads them for the life of the process, so they live
// in one object (registry()) rather than in scattered file-scope globals.
#pragma once

#include <cstdint>
#include <vector>

#include "ws_includes.hpp"

namespace mitokit::ws {

struct Prefs {
    guint max_message_size = 128u * 1048576u; // the reference's Router.max_message_size
    guint max_source_shown = 4096;            // LOAD_MODULE source text shown in the tree
    guint max_tree_items = 2000;              // pickle value tree items per message
    guint max_json_bytes = 65536;             // canonical JSON field per pickle
    guint max_pickle_depth = 256;             // decoder nesting limit
    gboolean show_source = TRUE;              // inflate LOAD_MODULE sources
};

struct Hf {
    int encoding = -1, dst = -1, src = -1, auth = -1, handle = -1, reply_to = -1, length = -1;
    int payload = -1, header = -1;
    // bootstrap
    int boot_kind = -1, boot_marker = -1, boot_preamble_size = -1, boot_inflated_size = -1;
    int boot_noise = -1, boot_config = -1, boot_continuation = -1, undissected = -1, midstream = -1;
    // raw payloads
    int get_module_fullname = -1, log_name = -1, log_level = -1, log_text = -1;
    int route_id = -1, route_name = -1, fwd_target = -1, fwd_fullname = -1, dead_reason = -1;
    // CALL_FUNCTION
    int call_chain_id = -1, call_module = -1, call_class = -1, call_function = -1;
    int call_args = -1, call_kwargs = -1;
    // LOAD_MODULE
    int lm_fullname = -1, lm_pkg_present = -1, lm_is_package = -1, lm_path = -1, lm_related = -1;
    int lm_compressed_size = -1, lm_source_size = -1, lm_source = -1, lm_negative = -1;
    // other typed payloads
    int alloc_start = -1, alloc_end = -1, svc_service = -1, svc_method = -1, svc_kwargs = -1;
    int call_error = -1;
    // pickles
    int pickle_json = -1, pickle_count = -1, pickle_trailing = -1, value = -1;
    // tracking
    int response_in = -1, request_in = -1, time = -1, dead_in = -1;
    int load_module_in = -1, get_module_in = -1, related_of = -1;
};

struct Ett {
    int proto = -1, header = -1, payload = -1, value = -1, bootstrap = -1, list = -1;
};

struct Ei {
    expert_field bad_encoding = EI_INIT, oversize = EI_INIT, after_failure = EI_INIT;
    expert_field refused_global = EI_INIT, malformed_pickle = EI_INIT, bad_payload = EI_INIT;
    expert_field dead_reply = EI_INIT, duplicate_get_module = EI_INIT, limit = EI_INIT;
    expert_field decompress = EI_INIT, call_error = EI_INIT, bootstrap = EI_INIT;
    expert_field unanswered = EI_INIT, trailing_bytes = EI_INIT;
};

struct Registry {
    int proto = -1;
    int tap = -1;
    Hf hf;
    Ett ett;
    Ei ei;
    Prefs prefs;
    dissector_handle_t handle = nullptr;
    std::vector<value_string> handle_names; // {value, name}..., {0, nullptr}
};

Registry& registry() noexcept;

} // namespace mitokit::ws
