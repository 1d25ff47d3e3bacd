// The fuzz targets, by name. Capture and simulator targets exist when those
// libraries are part of the build.
#pragma once

#include "harness.hpp"

namespace mitokit::fuzz {

int fuzz_stream_decoder(const std::uint8_t* data, std::size_t size);
int fuzz_pickle_decode(const std::uint8_t* data, std::size_t size);
int fuzz_pickle_roundtrip(const std::uint8_t* data, std::size_t size);
int fuzz_payloads(const std::uint8_t* data, std::size_t size);
int fuzz_inflate(const std::uint8_t* data, std::size_t size);
#ifdef MITOKIT_FUZZ_CAPTURE
int fuzz_capture(const std::uint8_t* data, std::size_t size);
#endif
#ifdef MITOKIT_FUZZ_SIMULATOR
int fuzz_import_scanner(const std::uint8_t* data, std::size_t size);
int fuzz_minify(const std::uint8_t* data, std::size_t size);
int fuzz_router(const std::uint8_t* data, std::size_t size);
#endif

inline constexpr Target kTargets[] = {
    {"stream_decoder", fuzz_stream_decoder},
    {"pickle_decode", fuzz_pickle_decode},
    {"pickle_roundtrip", fuzz_pickle_roundtrip},
    {"payloads", fuzz_payloads},
    {"inflate", fuzz_inflate},
#ifdef MITOKIT_FUZZ_CAPTURE
    {"capture", fuzz_capture},
#endif
#ifdef MITOKIT_FUZZ_SIMULATOR
    {"import_scanner", fuzz_import_scanner},
    {"minify", fuzz_minify},
    {"router", fuzz_router},
#endif
};

} // namespace mitokit::fuzz
