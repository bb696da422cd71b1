#include "edwards25519.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "replex/core/assert.hpp"

namespace replex::edwards25519 {
namespace {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;  // GCC and Clang on 64-bit targets

constexpr u64 kMask51 = (u64{1} << 51) - 1;

// The curve constant d = -121665/121666, 2d and sqrt(-1), as in libsodium's fe_51.
constexpr Fe kD2 = {{1859910466990425, 932731440258426, 1072319116312658, 1815898335770999, 633789495995903}};
constexpr Fe kD = {{929955233495203, 466365720129213, 1662059464998953, 2033849074728123, 1442794654840575}};
constexpr Fe kSqrtM1 = {{1718705420411056, 234908883556509, 2233514472574048, 2117202627021982, 765476049583133}};
constexpr Fe kZero = {{0, 0, 0, 0, 0}};
constexpr Fe kOne = {{1, 0, 0, 0, 0}};

u64 load64_le(const std::uint8_t* p) {
  u64 v;
  std::memcpy(&v, p, 8);
  return v;  // x86-64 and every target we build for are little-endian
}

// The field operations are inlined into the point formulas: called, they
// cost about as much again in moves as in arithmetic.
#define REPLEX_FE_INLINE [[gnu::always_inline]] inline

// Limbs below 2^63 in, below 2^51 + 19 * 2^12 out.
REPLEX_FE_INLINE Fe carry(Fe a) {
  a.v[1] += a.v[0] >> 51;
  a.v[0] &= kMask51;
  a.v[2] += a.v[1] >> 51;
  a.v[1] &= kMask51;
  a.v[3] += a.v[2] >> 51;
  a.v[2] &= kMask51;
  a.v[4] += a.v[3] >> 51;
  a.v[3] &= kMask51;
  a.v[0] += 19 * (a.v[4] >> 51);
  a.v[4] &= kMask51;
  return a;
}

REPLEX_FE_INLINE Fe fe_add(const Fe& a, const Fe& b) {
  return carry({{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3], a.v[4] + b.v[4]}});
}

// a - b + 4p: no limb goes below zero while b's limbs are below 2^53 - 76.
REPLEX_FE_INLINE Fe fe_sub(const Fe& a, const Fe& b) {
  constexpr u64 k4p0 = 0x1FFFFFFFFFFFB4;
  constexpr u64 k4p = 0x1FFFFFFFFFFFFC;
  return carry({{a.v[0] + k4p0 - b.v[0], a.v[1] + k4p - b.v[1], a.v[2] + k4p - b.v[2], a.v[3] + k4p - b.v[3],
                 a.v[4] + k4p - b.v[4]}});
}

Fe fe_neg(const Fe& a) { return fe_sub(kZero, a); }

// Carries five 128-bit column sums (each below 2^115) into limbs.
REPLEX_FE_INLINE Fe reduce_wide(u128 r0, u128 r1, u128 r2, u128 r3, u128 r4) {
  Fe out;
  r1 += static_cast<u64>(r0 >> 51);
  out.v[0] = static_cast<u64>(r0) & kMask51;
  r2 += static_cast<u64>(r1 >> 51);
  out.v[1] = static_cast<u64>(r1) & kMask51;
  r3 += static_cast<u64>(r2 >> 51);
  out.v[2] = static_cast<u64>(r2) & kMask51;
  r4 += static_cast<u64>(r3 >> 51);
  out.v[3] = static_cast<u64>(r3) & kMask51;
  out.v[0] += 19 * static_cast<u64>(r4 >> 51);
  out.v[4] = static_cast<u64>(r4) & kMask51;
  out.v[1] += out.v[0] >> 51;
  out.v[0] &= kMask51;
  return out;
}

REPLEX_FE_INLINE Fe fe_mul(const Fe& a, const Fe& b) {
  const u64 b1 = 19 * b.v[1], b2 = 19 * b.v[2], b3 = 19 * b.v[3], b4 = 19 * b.v[4];
  const u64 a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const u128 r0 = u128(a0) * b.v[0] + u128(a1) * b4 + u128(a2) * b3 + u128(a3) * b2 + u128(a4) * b1;
  const u128 r1 = u128(a0) * b.v[1] + u128(a1) * b.v[0] + u128(a2) * b4 + u128(a3) * b3 + u128(a4) * b2;
  const u128 r2 = u128(a0) * b.v[2] + u128(a1) * b.v[1] + u128(a2) * b.v[0] + u128(a3) * b4 + u128(a4) * b3;
  const u128 r3 = u128(a0) * b.v[3] + u128(a1) * b.v[2] + u128(a2) * b.v[1] + u128(a3) * b.v[0] + u128(a4) * b4;
  const u128 r4 = u128(a0) * b.v[4] + u128(a1) * b.v[3] + u128(a2) * b.v[2] + u128(a3) * b.v[1] + u128(a4) * b.v[0];
  return reduce_wide(r0, r1, r2, r3, r4);
}

// fe_mul(a, a) with the symmetric products once, doubled.
REPLEX_FE_INLINE Fe fe_sq(const Fe& a) {
  const u64 a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const u64 d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3;
  const u64 a3_19 = 19 * a3, a4_19 = 19 * a4;
  const u128 r0 = u128(a0) * a0 + u128(d1) * a4_19 + u128(d2) * a3_19;
  const u128 r1 = u128(d0) * a1 + u128(d2) * a4_19 + u128(a3) * a3_19;
  const u128 r2 = u128(d0) * a2 + u128(a1) * a1 + u128(d3) * a4_19;
  const u128 r3 = u128(d0) * a3 + u128(d1) * a2 + u128(a4) * a4_19;
  const u128 r4 = u128(d0) * a4 + u128(d1) * a3 + u128(a2) * a2;
  return reduce_wide(r0, r1, r2, r3, r4);
}

Fe fe_sq_n(Fe a, int n) {
  for (int i = 0; i < n; ++i) a = fe_sq(a);
  return a;
}

// z^((p-5)/8) = z^(2^252 - 3), for square roots.
Fe fe_pow22523(const Fe& z) {
  Fe t0 = fe_sq(z);                   // 2
  Fe t1 = fe_mul(z, fe_sq_n(t0, 2));  // 9
  t0 = fe_mul(t0, t1);                // 11
  t0 = fe_mul(t1, fe_sq(t0));         // 2^5 - 1
  t0 = fe_mul(fe_sq_n(t0, 5), t0);    // 2^10 - 1
  t1 = fe_mul(fe_sq_n(t0, 10), t0);   // 2^20 - 1
  t1 = fe_mul(fe_sq_n(t1, 20), t1);   // 2^40 - 1
  t0 = fe_mul(fe_sq_n(t1, 10), t0);   // 2^50 - 1
  t1 = fe_mul(fe_sq_n(t0, 50), t0);   // 2^100 - 1
  t1 = fe_mul(fe_sq_n(t1, 100), t1);  // 2^200 - 1
  t0 = fe_mul(fe_sq_n(t1, 50), t0);   // 2^250 - 1
  return fe_mul(fe_sq_n(t0, 2), z);   // 2^252 - 3
}

bool fe_is_zero(const Fe& f) {
  const auto b = fe_to_bytes(f);
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

bool fe_is_negative(const Fe& f) { return (fe_to_bytes(f)[0] & 1) != 0; }

bool fe_equal(const Fe& a, const Fe& b) { return fe_is_zero(fe_sub(a, b)); }

// (Y+X, Y-X, Z, 2dT): a point ready to be added.
struct Cached {
  Fe y_plus_x, y_minus_x, z, t2d;
};

Cached to_cached(const Point& p) {
  return {fe_add(p.Y, p.X), fe_sub(p.Y, p.X), p.Z, fe_mul(p.T, kD2)};
}

// add-2008-hwcd-3 for a = -1; `negative` subtracts q instead.
Point add_cached(const Point& p, const Cached& q, bool negative) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), negative ? q.y_plus_x : q.y_minus_x);
  const Fe b = fe_mul(fe_add(p.Y, p.X), negative ? q.y_minus_x : q.y_plus_x);
  const Fe c = fe_mul(p.T, q.t2d);
  Fe d = fe_mul(p.Z, q.z);
  d = fe_add(d, d);
  const Fe e = fe_sub(b, a);
  const Fe f = negative ? fe_add(d, c) : fe_sub(d, c);
  const Fe g = negative ? fe_sub(d, c) : fe_add(d, c);
  const Fe h = fe_add(b, a);
  return {fe_mul(e, f), fe_mul(g, h), fe_mul(f, g), fe_mul(e, h)};
}

// dbl-2008-hwcd for a = -1, written with every intermediate negated.
Point dbl(const Point& p) {
  const Fe a = fe_sq(p.X);
  const Fe b = fe_sq(p.Y);
  Fe c = fe_sq(p.Z);
  c = fe_add(c, c);
  const Fe h = fe_add(a, b);
  const Fe e = fe_sub(h, fe_sq(fe_add(p.X, p.Y)));
  const Fe g = fe_sub(a, b);
  const Fe f = fe_add(c, g);
  return {fe_mul(e, f), fe_mul(g, h), fe_mul(f, g), fe_mul(e, h)};
}

// Width-5 non-adjacent form: signed odd digits in {+-1, +-3, ..., +-15}, at
// most one non-zero in any 5 consecutive places, sum of r[i] 2^i = s. Calls
// `emit(place, digit)` for each non-zero digit, lowest place first. Needs
// s < 2^255 (so the last carry lands at place 255 at most).
template <typename Emit>
void wnaf5(const Scalar& s, Emit&& emit) {
  u64 words[5] = {load64_le(s.data()), load64_le(s.data() + 8), load64_le(s.data() + 16), load64_le(s.data() + 24), 0};
  constexpr u64 kWidth = 32;  // 2^5
  u64 carry = 0;
  int place = 0;
  while (place < 256) {
    const int word = place / 64;
    const int shift = place % 64;
    u64 bits = words[word] >> shift;
    if (shift > 64 - 5) bits |= words[word + 1] << (64 - shift);
    const u64 window = carry + (bits & (kWidth - 1));
    if ((window & 1) == 0) {
      ++place;
      continue;
    }
    if (window < kWidth / 2) {
      carry = 0;
      emit(place, static_cast<int>(window));
    } else {
      carry = 1;
      emit(place, static_cast<int>(window) - static_cast<int>(kWidth));
    }
    place += 5;
  }
  REPLEX_ASSERT(carry == 0);
}

}  // namespace

Fe fe_from_bytes(const std::uint8_t s[32]) {
  return {{load64_le(s) & kMask51, (load64_le(s + 6) >> 3) & kMask51, (load64_le(s + 12) >> 6) & kMask51,
           (load64_le(s + 19) >> 1) & kMask51, (load64_le(s + 24) >> 12) & kMask51}};
}

std::array<std::uint8_t, 32> fe_to_bytes(const Fe& f) {
  // libsodium's fe25519_reduce: carry twice, then subtract p if the value is
  // p or more (add 19, see whether 2^255 is reached, and take 2^255 off).
  u64 t[5];
  Fe c = carry(carry(f));
  std::copy(std::begin(c.v), std::end(c.v), t);
  t[0] += 19;
  for (int i = 0; i < 4; ++i) {
    t[i + 1] += t[i] >> 51;
    t[i] &= kMask51;
  }
  t[0] += 19 * (t[4] >> 51);
  t[4] &= kMask51;
  t[0] += 0x8000000000000 - 19;
  for (int i = 1; i < 5; ++i) t[i] += 0x8000000000000 - 1;
  for (int i = 0; i < 4; ++i) {
    t[i + 1] += t[i] >> 51;
    t[i] &= kMask51;
  }
  t[4] &= kMask51;
  const u64 w0 = t[0] | (t[1] << 51);
  const u64 w1 = (t[1] >> 13) | (t[2] << 38);
  const u64 w2 = (t[2] >> 26) | (t[3] << 25);
  const u64 w3 = (t[3] >> 39) | (t[4] << 12);
  std::array<std::uint8_t, 32> out;
  std::memcpy(out.data(), &w0, 8);
  std::memcpy(out.data() + 8, &w1, 8);
  std::memcpy(out.data() + 16, &w2, 8);
  std::memcpy(out.data() + 24, &w3, 8);
  return out;
}

Point identity() { return {kZero, kOne, kOne, kZero}; }

const Point& base_point() {
  static const Point b = [] {
    std::uint8_t encoded[32];
    std::fill(std::begin(encoded), std::end(encoded), std::uint8_t{0x66});
    encoded[0] = 0x58;
    const auto p = decode(encoded);
    REPLEX_ASSERT(p.has_value());
    return *p;
  }();
  return b;
}

std::optional<Point> decode(const std::uint8_t s[32]) {
  const Fe y = fe_from_bytes(s);
  std::array<std::uint8_t, 32> canonical = fe_to_bytes(y);
  canonical[31] |= static_cast<std::uint8_t>(s[31] & 0x80);
  if (std::memcmp(canonical.data(), s, 32) != 0) return std::nullopt;  // y >= p

  // x = sqrt(u/v) with u = y^2 - 1, v = dy^2 + 1: x = uv^3 (uv^7)^((p-5)/8).
  const Fe yy = fe_sq(y);
  const Fe u = fe_sub(yy, kOne);
  const Fe v = fe_add(fe_mul(yy, kD), kOne);
  const Fe v3 = fe_mul(fe_sq(v), v);
  Fe x = fe_mul(fe_mul(v3, u), fe_pow22523(fe_mul(fe_mul(fe_sq(v3), v), u)));
  const Fe vxx = fe_mul(fe_sq(x), v);
  if (!fe_equal(vxx, u)) {
    if (!fe_equal(vxx, fe_neg(u))) return std::nullopt;  // u/v is not a square
    x = fe_mul(x, kSqrtM1);
  }
  const bool sign = (s[31] >> 7) != 0;
  if (fe_is_zero(x) && sign) return std::nullopt;  // -0 is not a canonical encoding
  if (fe_is_negative(x) != sign) x = fe_neg(x);
  return Point{x, y, kOne, fe_mul(x, y)};
}

std::array<std::uint8_t, 32> encode(const Point& p) {
  // 1/Z = Z^(p-2) = (Z^(2^252-3))^8 * Z^3 (p - 2 = 8 (2^252 - 3) + 3).
  const Fe z3 = fe_mul(fe_sq(p.Z), p.Z);
  const Fe inv = fe_mul(fe_sq_n(fe_pow22523(p.Z), 3), z3);
  const Fe x = fe_mul(p.X, inv);
  auto out = fe_to_bytes(fe_mul(p.Y, inv));
  out[31] = static_cast<std::uint8_t>(out[31] | (fe_is_negative(x) ? 0x80 : 0));
  return out;
}

Point add(const Point& p, const Point& q) { return add_cached(p, to_cached(q), false); }

Point negate(const Point& p) { return {fe_neg(p.X), p.Y, p.Z, fe_neg(p.T)}; }

Point mul_by_cofactor(const Point& p) { return dbl(dbl(dbl(p))); }

bool is_identity(const Point& p) { return fe_is_zero(p.X) && fe_equal(p.Y, p.Z); }

bool has_small_order(const Point& p) { return is_identity(mul_by_cofactor(p)); }

Point multiscalar_mul(std::span<const Point> points, std::span<const Scalar> scalars) {
  REPLEX_ASSERT(points.size() == scalars.size());
  const std::size_t n = points.size();
  // One addition of a table entry at one place of the shared doubling chain.
  struct Term {
    std::uint32_t point;
    std::int32_t digit;
  };
  // Reused between calls: a batch's tables are ~1.3 KB per point.
  struct Scratch {
    std::vector<std::array<Cached, 8>> odd;  // P, 3P, ..., 15P per point
    std::vector<std::pair<std::uint16_t, Term>> unsorted;
    std::vector<Term> terms;                 // grouped by place
    std::array<std::uint32_t, 257> start{};  // terms of place p: [start[p], start[p + 1])
  };
  thread_local Scratch scratch;
  scratch.odd.resize(n);
  scratch.unsorted.clear();
  for (std::size_t i = 0; i < n; ++i) {
    REPLEX_ASSERT((scalars[i][31] & 0x80) == 0);
    wnaf5(scalars[i], [&](int place, int digit) {
      scratch.unsorted.push_back({static_cast<std::uint16_t>(place), Term{static_cast<std::uint32_t>(i), digit}});
    });
    const Point twice = dbl(points[i]);
    scratch.odd[i][0] = to_cached(points[i]);
    for (std::size_t k = 1; k < 8; ++k) scratch.odd[i][k] = to_cached(add_cached(twice, scratch.odd[i][k - 1], false));
  }
  // Counting sort by place.
  std::array<std::uint32_t, 257>& start = scratch.start;
  start.fill(0);
  int top = -1;
  for (const auto& [place, term] : scratch.unsorted) {
    ++start[place + 1u];
    top = std::max(top, static_cast<int>(place));
  }
  for (std::size_t p = 1; p < start.size(); ++p) start[p] += start[p - 1];
  scratch.terms.resize(scratch.unsorted.size());
  {
    std::array<std::uint32_t, 257> next = start;
    for (const auto& [place, term] : scratch.unsorted) scratch.terms[next[place]++] = term;
  }
  Point acc = identity();
  for (int place = top; place >= 0; --place) {
    acc = dbl(acc);
    const auto p = static_cast<std::size_t>(place);
    for (std::uint32_t t = start[p]; t < start[p + 1]; ++t) {
      const Term term = scratch.terms[t];
      const auto& table = scratch.odd[term.point];
      if (term.digit > 0) {
        acc = add_cached(acc, table[static_cast<std::size_t>(term.digit / 2)], false);
      } else {
        acc = add_cached(acc, table[static_cast<std::size_t>(-term.digit / 2)], true);
      }
    }
  }
  return acc;
}

}  // namespace replex::edwards25519
