// Shows a decoded mitogen value (libproto's pickle::Document) as a tree of items.
// A Document is a DAG, so a shared node is shown again where it appears; the
// walk is bounded by an item budget and a depth cap, and says where it stopped.
#pragma once

#include <cstddef>
#include <string>

#include "mitokit/pickle/value.hpp"
#include "ws_includes.hpp"

namespace mitokit::ws {

struct ValueTreeLimits {
    std::size_t max_items = 2000;
    std::size_t max_depth = 24;
};

struct ValueTreeResult {
    std::size_t items = 0;
    bool cut = false; // a limit was reached: some of the value is not shown
};

// Adds the value under `parent`; every item spans [offset, offset+length) of tvb.
ValueTreeResult add_value_tree(proto_tree* parent, tvbuff_t* tvb, int offset, int length,
                               const pickle::Document& doc, pickle::NodeId root,
                               const char* label, const ValueTreeLimits& limits);

// One-line form of a value for labels and the Info column, at most max_chars
// (then "..."): Python-like, e.g. ('posix', None, 3).
std::string short_repr(const pickle::Document& doc, pickle::NodeId id, std::size_t max_chars);

} // namespace mitokit::ws
