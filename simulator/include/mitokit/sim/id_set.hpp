// A set of 32-bit IDs, for a stream's egress IDs: every destination a frame that
// came in on the stream was routed to (the reference's egress_ids, read when a
// context dies to tell which streams are owed a DEL_ROUTE). It is written on every
// routed hop, it only grows, and at an intermediate context it comes to hold the
// whole subtree below, whose IDs the allocators hand out in dense blocks. So it is
// a bitset: up to SMALL IDs inline (a leaf's streams carry frames for one or two
// destinations, and an idle context must stay small), then pages of 512 IDs (one
// cache line of bits each) found through an open-addressing table of page
// numbers. Where IdMap would keep a value per ID and allocate a page per 64, a
// subtree of 10,000 IDs takes 20 lines here, and adding an ID is a bit set.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

namespace mitokit::sim {

class IdSet {
public:
    using Key = std::uint32_t;

    IdSet() = default;
    IdSet(IdSet&&) noexcept = default;
    IdSet& operator=(IdSet&&) noexcept = default;
    IdSet(const IdSet&) = delete;
    IdSet& operator=(const IdSet&) = delete;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t heap_bytes() const noexcept {
        return paged_ ? sizeof(Paged) + paged_->pages.capacity() * sizeof(Page) + paged_->index_cap * sizeof(Slot)
                      : 0;
    }

    bool contains(Key k) const noexcept {
        if (!paged_) {
            for (std::uint32_t i = 0; i < size_; ++i)
                if (small_[i] == k) return true;
            return false;
        }
        const Page* pg = find_page(k >> PAGE_BITS);
        return pg && pg->has(k & PAGE_MASK);
    }
    // Adds k; true when it was not there.
    bool insert(Key k) {
        if (!paged_) {
            for (std::uint32_t i = 0; i < size_; ++i)
                if (small_[i] == k) return false;
            if (size_ < SMALL) {
                small_[size_++] = k;
                return true;
            }
            to_pages();
        }
        Page& pg = page_for(k >> PAGE_BITS);
        if (pg.has(k & PAGE_MASK)) return false;
        pg.bits[(k & PAGE_MASK) >> 6] |= std::uint64_t{1} << (k & 63);
        ++size_;
        return true;
    }
    // A hint before insert(k) or contains(k) on a set too big to stay in cache.
    void prefetch(Key k) const noexcept {
        if (paged_)
            if (const Page* pg = find_page(k >> PAGE_BITS)) __builtin_prefetch(pg);
    }
    // fn(key) for every ID, in no promised order (for tests and checks).
    template <class Fn>
    void for_each(Fn&& fn) const {
        if (!paged_) {
            for (std::uint32_t i = 0; i < size_; ++i) fn(small_[i]);
            return;
        }
        for (std::uint32_t s = 0; s < paged_->index_cap; ++s) {
            const Slot& slot = paged_->index[s];
            if (slot.number == NO_PAGE) continue;
            const Page& pg = paged_->pages[slot.page];
            for (std::uint32_t w = 0; w < WORDS; ++w)
                for (std::uint64_t bits = pg.bits[w]; bits; bits &= bits - 1)
                    fn((slot.number << PAGE_BITS) | (w * 64 + static_cast<Key>(std::countr_zero(bits))));
        }
    }

private:
    static constexpr std::uint32_t SMALL = 4;
    static constexpr std::uint32_t PAGE_BITS = 9;
    static constexpr std::uint32_t PAGE_MASK = (1u << PAGE_BITS) - 1;
    static constexpr std::uint32_t WORDS = (1u << PAGE_BITS) / 64;
    static constexpr std::uint32_t NO_PAGE = 0xffffffffu; // no key's page number (keys >> PAGE_BITS are smaller)
    struct alignas(64) Page {
        std::array<std::uint64_t, WORDS> bits{};
        bool has(std::uint32_t i) const noexcept { return bits[i >> 6] >> (i & 63) & 1u; }
    };
    struct Slot {
        std::uint32_t number = NO_PAGE;
        std::uint32_t page = 0; // index into Paged::pages
    };
    struct Paged {
        std::vector<Page> pages;
        std::unique_ptr<Slot[]> index; // page number -> page: linear probing, at most half full
        std::uint32_t index_cap = 0;   // a power of two
    };
    // Fibonacci hashing: page numbers come in runs, so spread them.
    static std::uint32_t spread(std::uint32_t x, std::uint32_t cap) noexcept {
        return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
    }
    const Page* find_page(std::uint32_t number) const noexcept {
        const Paged& p = *paged_;
        for (std::uint32_t i = spread(number, p.index_cap);; i = (i + 1) & (p.index_cap - 1)) {
            const Slot& s = p.index[i];
            if (s.number == number) return &p.pages[s.page];
            if (s.number == NO_PAGE) return nullptr;
        }
    }
    // The page for `number`, made (empty) if there is none.
    Page& page_for(std::uint32_t number) {
        Paged& p = *paged_;
        std::uint32_t i = spread(number, p.index_cap);
        for (;; i = (i + 1) & (p.index_cap - 1)) {
            const Slot& s = p.index[i];
            if (s.number == number) return p.pages[s.page];
            if (s.number == NO_PAGE) break;
        }
        if (2 * (p.pages.size() + 1) > p.index_cap) {
            grow_index();
            return page_for(number);
        }
        p.index[i] = Slot{number, static_cast<std::uint32_t>(p.pages.size())};
        return p.pages.emplace_back();
    }
    void grow_index() {
        Paged& p = *paged_;
        const std::uint32_t old_cap = p.index_cap;
        auto old = std::move(p.index);
        p.index_cap = old_cap ? old_cap * 2 : 4;
        p.index = std::make_unique<Slot[]>(p.index_cap);
        for (std::uint32_t j = 0; j < old_cap; ++j) {
            if (old[j].number == NO_PAGE) continue;
            std::uint32_t i = spread(old[j].number, p.index_cap);
            while (p.index[i].number != NO_PAGE) i = (i + 1) & (p.index_cap - 1);
            p.index[i] = old[j];
        }
    }
    // The inline IDs move into pages: a fifth ID.
    void to_pages() {
        paged_ = std::make_unique<Paged>();
        grow_index();
        for (std::uint32_t i = 0; i < size_; ++i) {
            const Key k = small_[i];
            page_for(k >> PAGE_BITS).bits[(k & PAGE_MASK) >> 6] |= std::uint64_t{1} << (k & 63);
        }
    }

    std::array<Key, SMALL> small_{}; // the IDs, while not paged
    std::uint32_t size_ = 0;
    std::unique_ptr<Paged> paged_;
};

} // namespace mitokit::sim
