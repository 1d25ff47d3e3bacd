// Transparent huge pages for big simulations. A million contexts spread over a
// gigabyte of heap are read at random: with 4 KiB pages nearly every access also
// misses the TLB, and on the test machine random cache-line reads ran twice as
// fast with 2 MiB pages (docs/performance.md). glibc puts its heap on huge pages
// only when told at start-up, through the glibc.malloc.hugetlb tunable, so a big
// run starts itself again, once, with GLIBC_TUNABLES set.
#pragma once

#include <string>

namespace mitokit::cli {

// Whether this process's heap asks for huge pages (the tunable is set).
bool heap_huge_pages();

// Replaces this process by the same program and arguments with the tunable set.
// Returns only if it did not, with the reason (transparent huge pages off in the
// kernel, the tunable already set, or exec failing).
std::string restart_with_huge_pages();

} // namespace mitokit::cli
