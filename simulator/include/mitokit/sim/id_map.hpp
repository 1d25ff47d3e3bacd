// A map from 32-bit IDs to 32-bit values, for the tables every context keeps
// (routes by context ID, a stream's egress IDs, the simulation's node index).
// An empty map holds no heap memory and a map of one entry holds none (it is
// kept inline: most of a leaf's maps hold one ID, and a hop then touches no
// table of theirs), where std::unordered_map costs over 150; this is what keeps
// an idle context under a kilobyte at a million contexts.
//
// Small or scattered key sets live in an open-addressing hash table: linear
// probing with backward-shift deletion (no tombstones), doubled past 3/4 full.
// Context IDs are handed out in blocks, so the big tables (the master's million
// routes, a parent's routes to its subtree) hold runs of consecutive keys: once
// a table outgrows a few cache lines and its keys are dense, it becomes paged: an
// array per 64 consecutive keys, found through a small hash of page numbers. That
// costs less memory than the hash and keeps neighbouring IDs in neighbouring cache
// lines (a hash scatters them, so a walk over a subtree misses the cache at every
// key); a key far from the rest (a parent's own parent, say) just has a page of
// its own. Pages left under a sixteenth full send the table back to hashing.
//
// Iteration order is by slot (hash) or by key (paged), so it is not part of the
// contract: callers that need an order sort what they collect (the router
// already does).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace mitokit::sim {

class IdMap {
public:
    using Key = std::uint32_t;
    using Value = std::uint32_t;

    IdMap() = default;
    IdMap(IdMap&&) noexcept = default;
    IdMap& operator=(IdMap&&) noexcept = default;
    IdMap(const IdMap&) = delete;
    IdMap& operator=(const IdMap&) = delete;

    std::size_t size() const noexcept { return size_ + (has_max_ ? 1 : 0); }
    bool empty() const noexcept { return size() == 0; }
    // Heap bytes held (for memory reports).
    std::size_t heap_bytes() const noexcept {
        return paged() ? sizeof(Paged) + paged_->owned.size() * sizeof(Page) +
                             paged_->owned.capacity() * sizeof(PagePtr) + paged_->index_cap * sizeof(PageSlot)
                       : cap_ * sizeof(Slot);
    }
    bool paged() const noexcept { return paged_ != nullptr; }

    const Value* find(Key k) const noexcept {
        if (k == EMPTY) return has_max_ ? &max_value_ : nullptr;
        if (paged()) {
            const Page* pg = find_page(k >> PAGE_BITS);
            const std::uint32_t i = k & PAGE_MASK;
            return pg && pg->has(i) ? &pg->value[i] : nullptr;
        }
        if (!cap_) return one_.key == k ? &one_.value : nullptr;
        for (std::uint32_t i = slot_of(k);; i = (i + 1) & (cap_ - 1)) {
            const Slot& s = slots_[i];
            if (s.key == k) return &s.value;
            if (s.key == EMPTY) return nullptr;
        }
    }
    bool contains(Key k) const noexcept { return find(k) != nullptr; }
    // A hint before lookups whose keys are not known yet: loads a small table.
    void prefetch() const noexcept {
        if (cap_ && cap_ <= 16) __builtin_prefetch(slots_.get());
    }
    // A hint before a lookup of `k`: loads where it would be found in a table
    // too big to stay in cache (a million routes in the master's).
    void prefetch(Key k) const noexcept {
        if (paged()) {
            if (const Page* pg = find_page(k >> PAGE_BITS)) __builtin_prefetch(&pg->value[k & PAGE_MASK]);
        } else if (cap_ > 16) {
            __builtin_prefetch(&slots_[slot_of(k)]);
        }
    }
    std::optional<Value> get(Key k) const noexcept {
        const Value* v = find(k);
        return v ? std::optional<Value>(*v) : std::nullopt;
    }

    // Inserts or overwrites.
    void set(Key k, Value v) {
        if (k == EMPTY) {
            has_max_ = true;
            max_value_ = v;
            return;
        }
        if (paged()) {
            if (page_set(k, v)) return;
            unpage(); // a new page for k would leave the pages too empty: hash again
        }
        if (!cap_) {
            if (one_.key == k || one_.key == EMPTY) {
                size_ = 1;
                one_ = Slot{k, v};
                return;
            }
            grow(); // a second key: into a table
        } else if ((size_ + 1) * 4 > cap_ * 3 && !contains(k) && grow_or_page()) {
            set(k, v); // now paged; k itself may be what sends it back to a hash
            return;
        }
        hash_set(k, v);
    }
    // set(), returning what k held (nullopt if nothing): where k's page is
    // already made, one lookup does both (a route table learning a subtree).
    std::optional<Value> exchange(Key k, Value v) {
        if (k != EMPTY && paged()) {
            if (Page* pg = find_page(k >> PAGE_BITS)) {
                const std::uint32_t i = k & PAGE_MASK;
                std::optional<Value> old;
                if (pg->has(i)) {
                    old = pg->value[i];
                } else {
                    pg->present[i >> 6] |= std::uint64_t{1} << (i & 63);
                    ++size_;
                }
                pg->value[i] = v;
                return old;
            }
        }
        const std::optional<Value> old = get(k);
        set(k, v);
        return old;
    }
    // Inserts if absent; true when it was inserted.
    bool insert(Key k, Value v = 0) {
        if (contains(k)) return false;
        set(k, v);
        return true;
    }

    bool erase(Key k) noexcept {
        if (k == EMPTY) {
            const bool had = has_max_;
            has_max_ = false;
            return had;
        }
        if (paged()) return page_erase(k);
        if (!cap_) {
            if (one_.key != k) return false;
            release();
            return true;
        }
        const std::uint32_t mask = cap_ - 1;
        std::uint32_t i = slot_of(k);
        while (slots_[i].key != k) {
            if (slots_[i].key == EMPTY) return false;
            i = (i + 1) & mask;
        }
        // Backward shift: pull later entries of the probe run into the hole.
        std::uint32_t hole = i;
        for (std::uint32_t j = (i + 1) & mask; slots_[j].key != EMPTY; j = (j + 1) & mask) {
            const std::uint32_t home = slot_of(slots_[j].key);
            // Move j into the hole unless its home lies cyclically in (hole, j].
            const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                slots_[hole] = slots_[j];
                hole = j;
            }
        }
        slots_[hole].key = EMPTY;
        --size_;
        if (size_ == 0) release(); // an emptied table gives its memory back (the sentinel key stays)
        return true;
    }

    void clear() noexcept {
        release();
        has_max_ = false;
    }

    // fn(key, value) for every entry: by slot when hashed, by key when paged.
    template <class Fn>
    void for_each(Fn&& fn) const {
        if (paged()) {
            std::vector<const Page*> by_number;
            by_number.reserve(paged_->owned.size());
            for (const PagePtr& pg : paged_->owned) by_number.push_back(pg.get());
            std::sort(by_number.begin(), by_number.end(),
                      [](const Page* a, const Page* b) { return a->number < b->number; });
            for (const Page* pg : by_number) page_for_each(*pg, fn);
        } else {
            hash_for_each(fn);
        }
        if (has_max_) fn(EMPTY, max_value_);
    }
    // The same in no promised order (pages as made): for a caller that only
    // asks whether some entry matches, with no sort of the pages.
    template <class Fn>
    void for_each_any_order(Fn&& fn) const {
        if (paged()) {
            for (const PagePtr& pg : paged_->owned) page_for_each(*pg, fn);
        } else {
            hash_for_each(fn);
        }
        if (has_max_) fn(EMPTY, max_value_);
    }

private:
    static constexpr Key EMPTY = 0xffffffffu; // kept aside in has_max_/max_value_
    struct Slot {
        Key key = EMPTY;
        Value value = 0;
    };
    static constexpr std::uint32_t PAGE_BITS = 6;
    static constexpr std::uint32_t PAGE_KEYS = 1u << PAGE_BITS;
    static constexpr std::uint32_t PAGE_MASK = PAGE_KEYS - 1;
    // Hash tables smaller than this stay hashed: they fit in a few cache lines.
    // From here on a dense table pages (a parent's hundred children, in one or
    // two pages, rather than a hash of 256 slots over 32 lines).
    static constexpr std::uint32_t PAGE_FROM_SLOTS = 64;
    struct Page {
        // Read only where `present` says so: a new page leaves it unwritten (a
        // parent's sparse ID blocks make a page for every few keys).
        std::array<Value, PAGE_KEYS> value;
        std::array<std::uint64_t, PAGE_KEYS / 64> present{};
        std::uint32_t number = 0; // holds keys number * PAGE_KEYS ... (kept when erases empty it, until unpaging)
        bool has(std::uint32_t i) const noexcept { return present[i >> 6] >> (i & 63) & 1u; }
    };
    using PagePtr = std::unique_ptr<Page>;
    static constexpr std::uint32_t NO_PAGE = 0xffffffffu; // no key's page number (keys have 32 bits)
    struct PageSlot {
        std::uint32_t number = NO_PAGE;
        Page* page = nullptr; // owned by Paged::owned
    };
    struct Paged {
        std::vector<PagePtr> owned;       // every page, in the order made
        std::unique_ptr<PageSlot[]> index; // page number -> page: linear probing, at most half full
        std::uint32_t index_cap = 0;       // a power of two
    };
    // Fibonacci hashing into a table of `cap` (a power of two) slots: keys and
    // page numbers come in runs, so spread them.
    static std::uint32_t spread(std::uint32_t x, std::uint32_t cap) noexcept {
        return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
    }
    // The page's pointer is not const, so that set and erase can share this.
    Page* find_page(std::uint32_t number) const noexcept {
        const Paged& pg = *paged_;
        for (std::uint32_t i = spread(number, pg.index_cap);; i = (i + 1) & (pg.index_cap - 1)) {
            const PageSlot& s = pg.index[i];
            if (s.number == number) return s.page;
            if (s.number == NO_PAGE) return nullptr;
        }
    }
    static std::uint32_t index_cap_for(std::size_t pages) noexcept {
        std::uint32_t cap = 4;
        while (cap < 2 * pages) cap *= 2;
        return cap;
    }
    static void index_put(PageSlot* index, std::uint32_t cap, Page* page) noexcept {
        std::uint32_t i = spread(page->number, cap);
        while (index[i].number != NO_PAGE) i = (i + 1) & (cap - 1);
        index[i] = PageSlot{page->number, page};
    }

    std::uint32_t slot_of(Key k) const noexcept { return spread(k, cap_); }

    // A page's keys in order, visiting only those present: a parent's sparse
    // ID blocks leave a few keys in a page of 64.
    template <class Fn>
    static void page_for_each(const Page& pg, Fn& fn) {
        const Key first = pg.number << PAGE_BITS;
        for (std::uint32_t w = 0; w < pg.present.size(); ++w)
            for (std::uint64_t bits = pg.present[w]; bits; bits &= bits - 1) {
                const auto i = w * 64 + static_cast<std::uint32_t>(std::countr_zero(bits));
                fn(first | i, pg.value[i]);
            }
    }
    template <class Fn>
    void hash_for_each(Fn& fn) const {
        if (!cap_ && one_.key != EMPTY) fn(one_.key, one_.value);
        for (std::uint32_t i = 0; i < cap_; ++i)
            if (slots_[i].key != EMPTY) fn(slots_[i].key, slots_[i].value);
    }

    void release() noexcept { // every entry but the sentinel key's
        slots_.reset();
        one_ = Slot{};
        cap_ = 0;
        size_ = 0;
        paged_.reset();
    }

    // Inserts into the hash table, which has room.
    void hash_set(Key k, Value v) {
        for (std::uint32_t i = slot_of(k);; i = (i + 1) & (cap_ - 1)) {
            Slot& s = slots_[i];
            if (s.key == k) {
                s.value = v;
                return;
            }
            if (s.key == EMPTY) {
                s = Slot{k, v};
                ++size_;
                return;
            }
        }
    }

    void grow() {
        const std::uint32_t old_cap = cap_;
        auto old = std::move(slots_);
        const Slot inline_one = one_;
        one_ = Slot{};
        cap_ = old_cap ? old_cap * 2 : 4;
        slots_ = std::make_unique<Slot[]>(cap_);
        size_ = 0;
        if (!old_cap && inline_one.key != EMPTY) hash_set(inline_one.key, inline_one.value);
        for (std::uint32_t i = 0; i < old_cap; ++i)
            if (old[i].key != EMPTY) hash_set(old[i].key, old[i].value);
    }

    // A full hash table either doubles or, when big and dense enough that pages
    // would take no more memory than the doubled table, becomes paged (true).
    bool grow_or_page() {
        if (cap_ >= PAGE_FROM_SLOTS) {
            std::vector<std::uint32_t> numbers;
            numbers.reserve(size_);
            for (std::uint32_t i = 0; i < cap_; ++i)
                if (slots_[i].key != EMPTY) numbers.push_back(slots_[i].key >> PAGE_BITS);
            std::sort(numbers.begin(), numbers.end());
            const auto pages = static_cast<std::size_t>(std::unique(numbers.begin(), numbers.end()) - numbers.begin());
            const std::size_t paged_bytes = sizeof(Paged) + pages * (sizeof(Page) + sizeof(PagePtr)) +
                                            index_cap_for(pages) * sizeof(PageSlot);
            if (paged_bytes <= 2 * std::size_t{cap_} * sizeof(Slot)) {
                to_pages(pages);
                return true;
            }
        }
        grow();
        return false;
    }

    void to_pages(std::size_t pages) {
        auto old = std::move(slots_);
        const std::uint32_t old_cap = cap_;
        cap_ = 0;
        size_ = 0;
        one_ = Slot{};
        paged_ = std::make_unique<Paged>();
        paged_->owned.reserve(pages);
        paged_->index_cap = index_cap_for(pages);
        paged_->index = std::make_unique<PageSlot[]>(paged_->index_cap);
        for (std::uint32_t i = 0; i < old_cap; ++i)
            if (old[i].key != EMPTY) page_set(old[i].key, old[i].value, true);
    }

    // Back to a hash table sized for the entries (and one more).
    void unpage() {
        const std::unique_ptr<Paged> old = std::move(paged_);
        const std::uint32_t n = size_;
        size_ = 0;
        cap_ = 4;
        while ((std::size_t{n} + 1) * 4 > std::size_t{cap_} * 3) cap_ *= 2;
        slots_ = std::make_unique<Slot[]>(cap_);
        for (const PagePtr& pg : old->owned) {
            const Key first = pg->number << PAGE_BITS;
            for (std::uint32_t i = 0; i < PAGE_KEYS; ++i)
                if (pg->has(i)) hash_set(first | i, pg->value[i]);
        }
    }

    // False (and nothing changed) when k needs a new page and the pages would
    // then be under a sixteenth full (unless `always`, while paging).
    bool page_set(Key k, Value v, bool always = false) {
        Paged& pd = *paged_;
        const std::uint32_t number = k >> PAGE_BITS;
        Page* pg = find_page(number);
        if (!pg) {
            if (!always && (pd.owned.size() + 1) * PAGE_KEYS > 16 * (std::size_t{size_} + 1)) return false;
            if ((pd.owned.size() + 1) * 2 > pd.index_cap) {
                const std::uint32_t cap = pd.index_cap * 2;
                auto index = std::make_unique<PageSlot[]>(cap);
                for (const PagePtr& p : pd.owned) index_put(index.get(), cap, p.get());
                pd.index = std::move(index);
                pd.index_cap = cap;
            }
            pd.owned.push_back(std::make_unique_for_overwrite<Page>());
            pg = pd.owned.back().get();
            pg->number = number;
            index_put(pd.index.get(), pd.index_cap, pg);
        }
        const std::uint32_t i = k & PAGE_MASK;
        if (!pg->has(i)) {
            pg->present[i >> 6] |= std::uint64_t{1} << (i & 63);
            ++size_;
        }
        pg->value[i] = v;
        return true;
    }

    bool page_erase(Key k) {
        Page* pg = find_page(k >> PAGE_BITS);
        const std::uint32_t i = k & PAGE_MASK;
        if (!pg || !pg->has(i)) return false;
        pg->present[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
        --size_;
        if (size_ == 0) {
            release();
        } else if (std::size_t{size_} * 16 < paged_->owned.size() * PAGE_KEYS) {
            unpage(); // pages under a sixteenth full cost more than hashing
        }
        return true;
    }

    std::unique_ptr<Slot[]> slots_;
    std::unique_ptr<Paged> paged_; // set: paged (slots_ is then empty)
    Slot one_{};                 // the only entry while there is no table (cap_ == 0)
    std::uint32_t cap_ = 0;
    std::uint32_t size_ = 0;
    Value max_value_ = 0;
    bool has_max_ = false;
};

} // namespace mitokit::sim
