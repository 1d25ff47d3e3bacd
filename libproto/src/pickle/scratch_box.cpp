#include "decode_scratch.hpp"

namespace mitokit::pickle::detail {

ScratchBox::ScratchBox() noexcept = default;
ScratchBox::ScratchBox(const ScratchBox&) noexcept {}
ScratchBox::ScratchBox(ScratchBox&&) noexcept = default;
ScratchBox& ScratchBox::operator=(const ScratchBox&) noexcept { return *this; }
ScratchBox& ScratchBox::operator=(ScratchBox&&) noexcept = default;
ScratchBox::~ScratchBox() = default;

DecodeScratch& ScratchBox::make() {
    p_ = std::make_unique<DecodeScratch>();
    return *p_;
}

} // namespace mitokit::pickle::detail
