// What each whitelisted callable does with its arguments, exactly as mitogen
// 0.3.3 on CPython 3.11 does: REDUCE/INST/OBJ calls, NEWOBJ(_EX)'s cls.__new__,
// and BUILD's default __setstate__. Messages are CPython's (or say plainly that
// mitokit does not model a corner, Errc::unsupported); the decoder adds where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "keys.hpp"
#include "mitokit/pickle/value.hpp"
#include "mitokit/result.hpp"

namespace mitokit::pickle::detail {

struct CallEnv {
    Document& doc;
    KeyIndex& keys;
    std::size_t& bytes_left; // memory budget for what a call creates
    // Instances whose __setstate__ a BUILD replaced (a later BUILD would call it).
    std::vector<NodeId>* patched = nullptr;
};

// The dotted name a listing and an error use for a callable.
const char* callable_name(Callable c) noexcept;
// Message._find_global: the callable for a module/name pair, false if refused.
bool find_global(std::string_view module, std::string_view name, Callable& out) noexcept;

// callable(*args)
Result<NodeId> call(CallEnv& env, Callable c, std::span<const NodeId> args);
// Kwargs(args[0]) where it is a plain copy, the usual REDUCE of a payload: one
// dict (or Kwargs) argument without bytes keys. Leaves it in `out` and returns
// true; false (nothing done) for anything call() must see. Needs no CallEnv and
// builds no Result, which cost more than the copy.
bool plain_kwargs(Document& doc, std::span<const NodeId> args, NodeId& out);
// cls.__new__(cls, *args, **kwargs) for NEWOBJ/NEWOBJ_EX (kwargs may be NO_NODE).
Result<NodeId> new_object(CallEnv& env, Callable c, std::span<const NodeId> args, NodeId kwargs, const char* opname);
// INST/OBJ: a class with no arguments gets cls.__new__(cls), anything else is called.
Result<NodeId> instantiate(CallEnv& env, Callable c, std::span<const NodeId> args);
// BUILD: inst.__setstate__(state) or the default (instance __dict__, slot state).
Status build(CallEnv& env, NodeId inst, NodeId state);

// str(x) for the values whose text mitokit can compute (Secret(x) needs it):
// containers as their repr(), with mitogen's reprs of Blob ("[blob: 2 bytes]"),
// Secret ("[secret]") and Kwargs inside. False where mitokit cannot (a function's
// or memoryview's address, a set of several items, a nested CallError, nesting
// past 200 levels or a container holding itself), or when the text would pass
// max_out bytes (it is then longer than max_out).
bool py_str(const Document& doc, NodeId id, std::string& out, std::size_t max_out = SIZE_MAX);

} // namespace mitokit::pickle::detail
