// libFuzzer target rest_json (docs/fuzzing.md; built by the fuzz build from
// tests/fuzz/CMakeLists.txt, not by the unit tests). It lives here because
// the gateway's request-body reader (json_body.hpp) is private to the api
// module, and only the module's own test folder may include it.
//
// A request body as the REST routes read it: parse_json_body (numbers kept
// as source text, depth and duplicate-key refusals), then JsonFields over
// the fields of POST /orders, PATCH /orders/{id}, POST /withdrawals and
// POST /settlement/address; decimals then go through parse_decimal_unsigned
// and the base64 of {"transaction": ...} through from_base64, as the routes
// do; and the batch reader of POST /orders/batch (parse_order_batch).
// Checks: no crash or UB; every number's text is a JSON number that
// parses back (through nlohmann) to the same kind of value; every refusal
// names a code; a decoded base64 string re-encodes to its text; a batch
// has one entry per item, and each invalid item's error names that item.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json_body.hpp"
#include "order_body.hpp"
#include "replex/core/bytes.hpp"
#include "replex/core/decimal.hpp"

namespace {

using namespace replex;
using namespace replex::api;

void check(bool cond, const std::string& what) {
  if (!cond) {
    std::fprintf(stderr, "rest_json: %s\n", what.c_str());
    std::abort();
  }
}

void check_numbers(const Json& value, std::size_t depth) {
  check(depth <= kMaxJsonDepth + 1, "a parsed body deeper than kMaxJsonDepth");
  if (auto text = number_text(value)) {
    check(!text->empty(), "an empty number text");
    const Json reparsed = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    check(reparsed.is_number(), "a number's source text is not a JSON number: " + *text);
    return;
  }
  if (value.is_object() || value.is_array()) {
    for (const auto& item : value) check_numbers(item, depth + 1);
  }
}

void read_fields(const Json& body, std::initializer_list<std::string_view> strings,
                 std::initializer_list<std::string_view> decimals, std::initializer_list<std::string_view> integers,
                 std::initializer_list<std::string_view> booleans) {
  JsonFields f(body);
  for (auto key : strings) (void)f.string(key);
  for (auto key : decimals) {
    if (auto text = f.decimal(key)) {
      auto units = parse_decimal_unsigned(*text, 8);
      if (!units) check(!units.status().message().empty(), "a decimal refusal without a message");
    }
  }
  for (auto key : integers) (void)f.u64(key);
  for (auto key : booleans) (void)f.boolean(key);
  if (auto error = f.finish()) {
    check(!error->code.empty() && !error->message.empty(), "a field error without code or message");
    check(error->http_status() >= 400, "a field error that is not a 4xx/5xx");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = parse_json_body(text);
  if (!body) {
    check(!body.error().code.empty() && !body.error().message.empty(), "a refusal without code or message");
    check(body.error().http_status() == 400 || body.error().http_status() == 413, "a refusal that is not a 400/413");
    return 0;
  }
  check_numbers(*body, 0);
  // POST /orders (and its alias field), PATCH /orders/{id}, POST /withdrawals,
  // POST /settlement/address.
  read_fields(*body,
              {"market", "symbol", "side", "type", "time_in_force", "self_trade_prevention", "client_order_id"},
              {"price", "quantity", "stop_price", "display_quantity", "protection_price", "quote_budget"},
              {"good_til_height"}, {"post_only"});
  read_fields(*body, {}, {"price", "quantity"}, {"good_til_height"}, {});
  read_fields(*body, {"asset"}, {"amount"}, {"chain_id"}, {});
  read_fields(*body, {"eth_address"}, {}, {}, {});
  // POST /orders/batch: {"orders": [...]}, at most 4 items here.
  constexpr std::size_t kMaxItems = 4;
  if (auto batch = parse_order_batch(*body, kMaxItems)) {
    const Json& items = body->at("orders");
    check(batch->size() == items.size() && !batch->empty() && batch->size() <= kMaxItems,
          "a batch without one entry per item");
    for (std::size_t i = 0; i < batch->size(); ++i) {
      if (const auto* error = std::get_if<ApiError>(&(*batch)[i])) {
        const std::string name = batch_item_name(i);
        check(error->field.rfind(name, 0) == 0 && error->message.rfind(name, 0) == 0,
              "a batch item's error does not name its item: " + error->field + " / " + error->message);
        check(error->http_status() == 400, "a batch item's parse error that is not a 400");
      }
    }
  } else {
    check(!batch.error().code.empty() && !batch.error().message.empty(), "a batch refusal without code or message");
    check(batch.error().http_status() == 400 || batch.error().http_status() == 413, "a batch refusal not 400/413");
  }
  // {"transaction": "<base64>"}
  if (body->is_object() && body->contains("transaction")) {
    JsonFields f(*body);
    if (const auto b64 = f.string("transaction")) {
      if (auto bytes = from_base64(*b64)) {
        check(to_base64(*bytes) == *b64, "base64 does not re-encode to its text: " + *b64);
      }
    }
  }
  return 0;
}
