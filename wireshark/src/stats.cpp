#include "stats.hpp"

#include <cstdio>
#include <string>

#include "mitokit/handles.hpp"
#include "registry.hpp"
#include "ws_includes.hpp"

namespace mitokit::ws {

namespace {

constexpr const char* MSG_BY_HANDLE = "Messages by handle";
constexpr const char* BYTES_BY_HANDLE = "Payload bytes by handle";
constexpr const char* MSG_BY_PAIR = "Messages by context pair";
constexpr const char* BYTES_BY_PAIR = "Payload bytes by context pair";

// Node ids of one stats tree; kept in the tree's own storage (st->pr is not ours),
// so looked up by name, which stats_tree caches.
void init_tree(stats_tree* st) {
    stats_tree_create_node(st, MSG_BY_HANDLE, 0, STAT_DT_INT, TRUE);
    stats_tree_create_node(st, BYTES_BY_HANDLE, 0, STAT_DT_INT, TRUE);
    stats_tree_create_node(st, MSG_BY_PAIR, 0, STAT_DT_INT, TRUE);
    stats_tree_create_node(st, BYTES_BY_PAIR, 0, STAT_DT_INT, TRUE);
}

std::string handle_label(const TapRecord& r) {
    if (r.reply_to == handle::IS_DEAD) return "dead message";
    std::string_view name = handle_name(r.handle);
    if (!name.empty()) return std::string(name);
    return r.handle >= handle::FIRST_DYNAMIC ? "reply (dynamic handle)" : "handle " + std::to_string(r.handle);
}

tap_packet_status on_packet(stats_tree* st, packet_info*, epan_dissect_t*, const void* data, tap_flags_t) {
    const auto* r = static_cast<const TapRecord*>(data);
    const std::string h = handle_label(*r);
    char pair[48];
    std::snprintf(pair, sizeof pair, "%u -> %u", r->src, r->dst);

    int n = stats_tree_parent_id_by_name(st, MSG_BY_HANDLE);
    tick_stat_node(st, MSG_BY_HANDLE, 0, TRUE);
    tick_stat_node(st, h.c_str(), n, FALSE);

    n = stats_tree_parent_id_by_name(st, BYTES_BY_HANDLE);
    increase_stat_node(st, BYTES_BY_HANDLE, 0, TRUE, static_cast<gint>(r->length));
    increase_stat_node(st, h.c_str(), n, FALSE, static_cast<gint>(r->length));

    n = stats_tree_parent_id_by_name(st, MSG_BY_PAIR);
    tick_stat_node(st, MSG_BY_PAIR, 0, TRUE);
    tick_stat_node(st, pair, n, FALSE);

    n = stats_tree_parent_id_by_name(st, BYTES_BY_PAIR);
    increase_stat_node(st, BYTES_BY_PAIR, 0, TRUE, static_cast<gint>(r->length));
    increase_stat_node(st, pair, n, FALSE, static_cast<gint>(r->length));
    return TAP_PACKET_REDRAW;
}

} // namespace

void register_stats_tree() {
    stats_tree_register_plugin("mitogen", "mitogen", "Mitogen/Messages and bytes", 0, on_packet, init_tree,
                               nullptr);
}

} // namespace mitokit::ws
