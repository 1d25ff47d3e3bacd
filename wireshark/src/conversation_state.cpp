#include "conversation_state.hpp"

#include "registry.hpp"
#include "wmem_object.hpp"

namespace mitokit::ws {

namespace {
constexpr std::size_t MAX_BOOT_TEXT = 4096; // a noise line or preamble config is shown, not kept whole
}

void Direction::Collector::on_bootstrap(const BootstrapEvent& e) {
    // The event's text is a view valid only during this call.
    events.push_back(BootItem{e.kind, e.offset, e.length, e.inflated_size,
                              std::string(e.text.substr(0, MAX_BOOT_TEXT))});
}

Direction& ConversationState::direction(packet_info* pinfo) {
    if (!first_set) {
        copy_address_wmem(wmem_file_scope(), &first_src, &pinfo->src);
        first_port = pinfo->srcport;
        first_set = true;
    }
    const bool forward = addresses_equal(&first_src, &pinfo->src) && first_port == pinfo->srcport;
    return dirs[forward ? 0 : 1];
}

ConversationState& conversation_state(packet_info* pinfo) {
    conversation_t* conv = find_or_create_conversation(pinfo);
    auto* st = static_cast<ConversationState*>(conversation_get_proto_data(conv, registry().proto));
    if (!st) {
        st = wmem_make<ConversationState>(wmem_file_scope());
        conversation_add_proto_data(conv, registry().proto, st);
    }
    return *st;
}

} // namespace mitokit::ws
