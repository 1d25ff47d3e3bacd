// A context's parent_ids (nearest first, ending in the master's 0), kept inline
// for trees up to INLINE deep: every spawn makes one, and a million small heap
// blocks cost a malloc each to build and a cache miss each to free.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

namespace mitokit::sim {

class ParentIds {
public:
    using Id = std::uint32_t;
    static constexpr std::size_t INLINE = 5;

    ParentIds() = default;
    ParentIds(std::initializer_list<Id> ids) { assign(std::span<const Id>(ids.begin(), ids.size())); }
    explicit ParentIds(std::span<const Id> ids) { assign(ids); }
    // A child's list: its parent, then the parent's own parent_ids.
    static ParentIds below(Id parent, const ParentIds& theirs) {
        ParentIds p;
        p.reserve(theirs.size() + 1);
        p.data()[0] = parent;
        std::copy(theirs.begin(), theirs.end(), p.data() + 1);
        return p;
    }
    ParentIds(ParentIds&&) noexcept = default;
    ParentIds& operator=(ParentIds&&) noexcept = default;
    ParentIds(const ParentIds& o) { assign(std::span<const Id>(o.begin(), o.size())); }
    ParentIds& operator=(const ParentIds& o) {
        if (this != &o) assign(std::span<const Id>(o.begin(), o.size()));
        return *this;
    }

    std::size_t size() const noexcept { return n_; }
    bool empty() const noexcept { return n_ == 0; }
    const Id* begin() const noexcept { return data(); }
    const Id* end() const noexcept { return data() + n_; }
    Id operator[](std::size_t i) const noexcept { return data()[i]; }
    bool contains(Id id) const noexcept { return std::find(begin(), end(), id) != end(); }
    void clear() noexcept {
        heap_.reset();
        n_ = 0;
    }
    // Heap bytes held (none up to INLINE entries).
    std::size_t heap_bytes() const noexcept { return heap_ ? n_ * sizeof(Id) : 0; }
    friend bool operator==(const ParentIds& a, const ParentIds& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    const Id* data() const noexcept { return heap_ ? heap_.get() : inline_.data(); }
    Id* data() noexcept { return heap_ ? heap_.get() : inline_.data(); }
    void reserve(std::size_t n) {
        heap_.reset();
        if (n > INLINE) heap_ = std::make_unique<Id[]>(n);
        n_ = static_cast<std::uint32_t>(n);
    }
    void assign(std::span<const Id> ids) {
        reserve(ids.size());
        std::copy(ids.begin(), ids.end(), data());
    }

    std::array<Id, INLINE> inline_{};
    std::uint32_t n_ = 0;
    std::unique_ptr<Id[]> heap_;
};

} // namespace mitokit::sim
