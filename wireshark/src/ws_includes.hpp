// The epan (Wireshark dissection library) C headers the plugin uses, in one place.
#pragma once

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <wsutil/wmem/wmem.h>
