// Field and group arithmetic of edwards25519, for verifying signatures in
// batches (ed25519_batch.cpp). Variable time: it only ever sees public data
// (keys, signatures, hashes), never a secret.
//
// Field elements are five 51-bit limbs (radix 2^51, unsigned __int128
// products). Every operation returns limbs below 2^51 + 2^15, which every
// operation accepts, so no caller tracks bounds.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace replex::edwards25519 {

struct Fe {
  std::uint64_t v[5];
};

// Extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z.
struct Point {
  Fe X, Y, Z, T;
};

// A scalar as 32 little-endian bytes, below 2^255.
using Scalar = std::array<std::uint8_t, 32>;

Fe fe_from_bytes(const std::uint8_t s[32]);  // ignores the top bit
std::array<std::uint8_t, 32> fe_to_bytes(const Fe& f);  // canonical

Point identity();
const Point& base_point();

// Decodes a canonical encoding (y < p, and not x = 0 with the sign bit set);
// nullopt when the bytes are not a point or not canonical.
std::optional<Point> decode(const std::uint8_t s[32]);
std::array<std::uint8_t, 32> encode(const Point& p);

Point add(const Point& p, const Point& q);
Point negate(const Point& p);
Point mul_by_cofactor(const Point& p);  // [8]P
bool is_identity(const Point& p);
bool has_small_order(const Point& p);  // [8]P is the identity

// sum of scalars[i] * points[i] (Straus: one shared chain of doublings,
// sliding windows of odd multiples up to 15 per point).
Point multiscalar_mul(std::span<const Point> points, std::span<const Scalar> scalars);

}  // namespace replex::edwards25519
