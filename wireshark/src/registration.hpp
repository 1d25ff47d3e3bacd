// Registration entry points called from plugin_register().
#pragma once

namespace mitokit::ws {
void proto_register_mitogen();
void proto_reg_handoff_mitogen();
} // namespace mitokit::ws
