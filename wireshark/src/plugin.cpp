// The four symbols Wireshark looks up in a plugin, with C linkage.
#include "registration.hpp"
#include "ws_includes.hpp"

// `extern "C"` on each definition also gives the const objects external linkage.
extern "C" WS_DLL_PUBLIC_DEF const gchar plugin_version[] = MITOKIT_PLUGIN_VERSION;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_major = MITOKIT_WS_MAJOR;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_minor = MITOKIT_WS_MINOR;

extern "C" WS_DLL_PUBLIC_DEF void plugin_register(void) {
    static proto_plugin plug;
    plug.register_protoinfo = mitokit::ws::proto_register_mitogen;
    plug.register_handoff = mitokit::ws::proto_reg_handoff_mitogen;
    proto_register_plugin(&plug);
}
