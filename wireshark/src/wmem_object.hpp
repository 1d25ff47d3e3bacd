// C++ objects whose lifetime follows a wmem pool (usually wmem_file_scope()):
// constructed in pool memory and destroyed when the pool is freed, so per-file
// state with std containers is released when Wireshark closes the capture.
#pragma once

#include <new>
#include <utility>

#include "ws_includes.hpp"

namespace mitokit::ws {

template <class T, class... Args>
T* wmem_make(wmem_allocator_t* pool, Args&&... args) {
    void* mem = wmem_alloc(pool, sizeof(T));
    T* obj = ::new (mem) T(std::forward<Args>(args)...);
    wmem_register_callback(
        pool,
        [](wmem_allocator_t*, wmem_cb_event_t, void* p) -> gboolean {
            static_cast<T*>(p)->~T();
            return FALSE; // one-shot: the object is gone
        },
        obj);
    return obj;
}

} // namespace mitokit::ws
