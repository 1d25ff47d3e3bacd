// A growable array of trivially copyable values, for the scheduler's queues.
// Unlike std::vector, an append is inlined whole at the caller: the compiler
// outlined vector::push_back (its reallocating path included) into a call
// per scheduled event. Here only the growth is out of line.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

namespace mitokit::sim {

template <class T>
class PodBuffer {
    static_assert(std::is_trivially_copyable_v<T>);

public:
    PodBuffer() = default;
    PodBuffer(PodBuffer&& o) noexcept
        : p_(std::move(o.p_)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
    PodBuffer& operator=(PodBuffer&& o) noexcept {
        PodBuffer(std::move(o)).swap(*this);
        return *this;
    }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return cap_; }
    bool empty() const noexcept { return size_ == 0; }
    T* data() noexcept { return p_.get(); }
    const T* data() const noexcept { return p_.get(); }
    T* begin() noexcept { return p_.get(); }
    T* end() noexcept { return p_.get() + size_; }
    const T* begin() const noexcept { return p_.get(); }
    const T* end() const noexcept { return p_.get() + size_; }
    T& operator[](std::size_t i) noexcept { return p_[i]; }
    const T& operator[](std::size_t i) const noexcept { return p_[i]; }
    void clear() noexcept { size_ = 0; }
    void push_back(const T& v) {
        if (size_ == cap_) [[unlikely]]
            grow(size_ + 1);
        p_[size_++] = v;
    }
    // `v` before position `i` (i <= size()); later values move up one.
    void insert(std::size_t i, const T& v) {
        if (size_ == cap_) grow(size_ + 1);
        std::memmove(p_.get() + i + 1, p_.get() + i, (size_ - i) * sizeof(T));
        p_[i] = v;
        ++size_;
    }
    // Grows with values left unset (the caller writes them all).
    void resize_for_overwrite(std::size_t n) {
        if (n > cap_) grow(n);
        size_ = n;
    }
    void swap(PodBuffer& o) noexcept {
        std::swap(p_, o.p_);
        std::swap(size_, o.size_);
        std::swap(cap_, o.cap_);
    }

private:
    [[gnu::noinline]] void grow(std::size_t need) {
        const std::size_t cap = std::max<std::size_t>({need, cap_ * 2, 4});
        auto p = std::make_unique_for_overwrite<T[]>(cap);
        if (size_) std::memcpy(p.get(), p_.get(), size_ * sizeof(T));
        p_ = std::move(p);
        cap_ = cap;
    }
    std::unique_ptr<T[]> p_;
    std::size_t size_ = 0, cap_ = 0;
};

} // namespace mitokit::sim
