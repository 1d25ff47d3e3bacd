#include "latin1_kernels.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MITOKIT_X86 1
#endif

namespace mitokit::pickle::detail {
namespace {

// GCC/Clang vector extensions: the portable kernels are vectorized for whatever
// the build targets (SSE2 on x86-64), and the AVX2 check is the same code at 32 bytes.
typedef unsigned char u8x16 __attribute__((vector_size(16)));

// Byte i is checked against byte i-1: a continuation follows exactly a lead C2/C3,
// any other byte >= 0x80 is out of range. No data-dependent branch, so random
// binary data does not stall the pipeline.
template <typename V>
inline void range_blocks(const unsigned char* p, std::size_t n, std::size_t& i, unsigned& bad) {
    V acc = {};
    for (; i + sizeof(V) <= n; i += sizeof(V)) {
        V cur, prev;
        std::memcpy(&cur, p + i, sizeof(V));
        std::memcpy(&prev, p + i - 1, sizeof(V));
        const V lead_prev = reinterpret_cast<V>((prev & 0xfe) == 0xc2);
        const V lead = reinterpret_cast<V>((cur & 0xfe) == 0xc2);
        const V cont = reinterpret_cast<V>((cur & 0xc0) == 0x80);
        const V high = reinterpret_cast<V>(cur >= 0x80);
        acc |= (high & ~(lead | cont)) | (cont ^ lead_prev);
    }
    std::uint64_t lanes[sizeof(V) / 8];
    std::memcpy(lanes, &acc, sizeof(V));
    std::uint64_t any = 0;
    for (std::uint64_t l : lanes) any |= l;
    bad |= static_cast<unsigned>(any != 0);
}

// The scalar tail (and whole short inputs): same rule, one byte at a time.
inline bool range_finish(const unsigned char* p, std::size_t n, std::size_t i, unsigned bad) {
    unsigned prev_lead = i > 0 ? static_cast<unsigned>((p[i - 1] & 0xfe) == 0xc2) : 0;
    for (; i < n; ++i) {
        const unsigned c = p[i];
        const unsigned lead = static_cast<unsigned>((c & 0xfe) == 0xc2);
        const unsigned cont = static_cast<unsigned>((c & 0xc0) == 0x80);
        bad |= ((c >> 7) & ~(lead | cont) & 1u) | (cont ^ prev_lead);
        prev_lead = lead;
    }
    return (bad | prev_lead) == 0;
}

inline unsigned first_byte_bad(const unsigned char* p) {
    return (p[0] >> 7) & static_cast<unsigned>((p[0] & 0xfe) != 0xc2);
}

#ifdef MITOKIT_X86
typedef unsigned char u8x32 __attribute__((vector_size(32)));

__attribute__((target("avx2"))) bool latin1_range_avx2(const unsigned char* p, std::size_t n) noexcept {
    unsigned bad = first_byte_bad(p);
    std::size_t i = 1;
    range_blocks<u8x32>(p, n, i, bad);
    return range_finish(p, n, i, bad);
}

// pshufb patterns that gather the kept bytes of an 8-byte group to its front:
// entry m lists, in order, the positions of the bits set in m.
constexpr std::array<std::array<std::uint8_t, 8>, 256> make_compact_table() {
    std::array<std::array<std::uint8_t, 8>, 256> t{};
    for (unsigned m = 0; m < 256; ++m) {
        unsigned k = 0;
        for (unsigned b = 0; b < 8; ++b)
            if (m >> b & 1u) t[m][k++] = static_cast<std::uint8_t>(b);
        for (; k < 8; ++k) t[m][k] = 0x80;
    }
    return t;
}
alignas(16) constexpr std::array<std::array<std::uint8_t, 8>, 256> kCompact = make_compact_table();

// 16 bytes per step: add 0x40 to each byte after a C3, then drop the C2/C3 leads
// with two table-driven shuffles (one per 8-byte half). Output never passes the
// input position, so writing 8 bytes at o and o + kept_low stays within w[0..n).
__attribute__((target("ssse3,popcnt"))) std::size_t utf8_to_latin1_ssse3(const unsigned char* p, std::size_t n,
                                                                          unsigned char* w) noexcept {
    if (n < 17) return utf8_to_latin1_bytes_portable(p, n, w);
    unsigned maxv = p[0];
    std::size_t o = static_cast<std::size_t>((p[0] & 0xfe) != 0xc2);
    w[0] = p[0];
    std::size_t i = 1;
    const __m128i c3 = _mm_set1_epi8(static_cast<char>(0xc3));
    const __m128i fe = _mm_set1_epi8(static_cast<char>(0xfe));
    const __m128i c2 = _mm_set1_epi8(static_cast<char>(0xc2));
    const __m128i x40 = _mm_set1_epi8(0x40);
    const __m128i eight = _mm_set1_epi8(8);
    __m128i vmax = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        const __m128i cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i before = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1));
        if (_mm_movemask_epi8(_mm_or_si128(cur, before)) == 0) { // ASCII text: copied as is
            _mm_storeu_si128(reinterpret_cast<__m128i*>(w + o), cur);
            o += 16;
            continue;
        }
        vmax = _mm_max_epu8(vmax, cur);
        const __m128i adj = _mm_add_epi8(cur, _mm_and_si128(_mm_cmpeq_epi8(before, c3), x40));
        const unsigned drop = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(cur, fe), c2)));
        const unsigned keep = ~drop & 0xffffu;
        const unsigned lo = keep & 0xffu, hi = keep >> 8;
        const __m128i sl = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompact[lo].data()));
        const __m128i sh = _mm_add_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompact[hi].data())), eight);
        const __m128i packed = _mm_shuffle_epi8(adj, _mm_unpacklo_epi64(sl, sh));
        const std::size_t nlo = static_cast<std::size_t>(_mm_popcnt_u32(lo));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(w + o), packed);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(w + o + nlo), _mm_unpackhi_epi64(packed, packed));
        o += nlo + static_cast<std::size_t>(_mm_popcnt_u32(hi));
    }
    alignas(16) unsigned char m[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(m), vmax);
    for (unsigned char b : m) maxv = b > maxv ? b : maxv;
    for (; i < n; ++i) {
        const unsigned c = p[i];
        maxv = c > maxv ? c : maxv;
        w[o] = static_cast<unsigned char>(c + (p[i - 1] == 0xc3 ? 0x40 : 0));
        o += static_cast<unsigned>((c & 0xfe) != 0xc2);
    }
    return maxv >= 0xc4 ? SIZE_MAX : o;
}

bool has_avx2() noexcept { return __builtin_cpu_supports("avx2"); }
bool has_ssse3() noexcept { return __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt"); }
#endif

} // namespace

bool latin1_range_portable(const unsigned char* p, std::size_t n) noexcept {
    if (n == 0) return true;
    unsigned bad = first_byte_bad(p);
    std::size_t i = 1;
    range_blocks<u8x16>(p, n, i, bad);
    return range_finish(p, n, i, bad);
}

bool latin1_range(const unsigned char* p, std::size_t n) noexcept {
#ifdef MITOKIT_X86
    if (n >= 64 && has_avx2()) return latin1_range_avx2(p, n);
#endif
    return latin1_range_portable(p, n);
}

std::size_t utf8_to_latin1_bytes_portable(const unsigned char* p, std::size_t n, unsigned char* w) noexcept {
    // In valid latin-1-range UTF-8 each character is an ASCII byte, or a lead C2/C3
    // and a continuation whose value is the code point (after C2) or 0x40 less
    // (after C3): drop the leads and add 0x40 after each C3.
    std::size_t o = 0, i = 0;
    unsigned maxv = 0;
    if (n >= 17) {
        maxv = p[0];
        w[0] = p[0];
        o = static_cast<std::size_t>((p[0] & 0xfe) != 0xc2);
        u8x16 vmax = {};
        for (i = 1; i + 16 <= n; i += 16) {
            u8x16 cur, before;
            std::memcpy(&cur, p + i, 16);
            std::memcpy(&before, p + i - 1, 16);
            vmax = vmax > cur ? vmax : cur;
            const u8x16 adj = cur + (reinterpret_cast<u8x16>(before == 0xc3) & 0x40);
            const u8x16 keep = reinterpret_cast<u8x16>((cur & 0xfe) != 0xc2) & 1;
            unsigned char a[16], k[16];
            std::memcpy(a, &adj, 16);
            std::memcpy(k, &keep, 16);
            for (int j = 0; j < 16; ++j) {
                w[o] = a[j];
                o += k[j];
            }
        }
        unsigned char m[16];
        std::memcpy(m, &vmax, 16);
        for (unsigned char b : m) maxv = b > maxv ? b : maxv;
    }
    for (; i < n; ++i) {
        const unsigned c = p[i];
        maxv = c > maxv ? c : maxv;
        w[o] = static_cast<unsigned char>(c + (i > 0 && p[i - 1] == 0xc3 ? 0x40 : 0));
        o += static_cast<unsigned>((c & 0xfe) != 0xc2);
    }
    return maxv >= 0xc4 ? SIZE_MAX : o;
}

std::size_t utf8_to_latin1_bytes(const unsigned char* p, std::size_t n, unsigned char* w) noexcept {
#ifdef MITOKIT_X86
    if (n >= 32 && has_ssse3()) return utf8_to_latin1_ssse3(p, n, w);
#endif
    return utf8_to_latin1_bytes_portable(p, n, w);
}

} // namespace mitokit::pickle::detail
