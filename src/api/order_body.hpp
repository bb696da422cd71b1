// Order-entry request bodies (docs/api.md, "Placing orders" and "Batches"):
// one custodial order's fields, a client's signed envelope
// ({"transaction": "<base64>"}), and a batch of either
// ({"orders": [...]}, POST /api/v1/orders/batch). Parsing only: no node
// state, so the unit tests and the rest_json fuzz target read bodies exactly
// as the routes do. Errors name the field as the request spells it
// ("orders[3].price"). Pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api_error.hpp"
#include "json_body.hpp"
#include "order_fields.hpp"
#include "replex/core/bytes.hpp"

namespace replex::api {

// One item of a batch: a custodial order, a signed envelope, or why the item
// is invalid (it is answered with that error; the other items go ahead).
using OrderEntry = std::variant<OrderFields, Bytes, ApiError>;

// The fields of one custodial order; problems are recorded in `f`.
OrderFields read_order_fields(JsonFields& f);

// A signed envelope: nullopt when `body` is not an object holding
// "transaction"; else its bytes, or the error (not base64, empty, other
// fields beside it). `where` prefixes the field name ("orders[2]").
std::optional<ApiResult<Bytes>> read_signed_envelope(const Json& body, const std::string& where = {});

// "orders[<index>]", the name of a batch item in errors.
std::string batch_item_name(std::size_t index);

// A batch body: {"orders": [item, ...]} with 1..max_items items, each a
// custodial order or {"transaction": ...}. The batch's own problems (not an
// object, unknown fields, no array, empty, more than max_items: 413
// BATCH_TOO_LARGE naming api.max_submit_batch) are the error; an invalid item
// becomes that item's ApiError, named "orders[i].<field>".
ApiResult<std::vector<OrderEntry>> parse_order_batch(const Json& body, std::size_t max_items);

// An error about batch item `index` as the single-order route reported it
// ("price: must be positive"), renamed for the batch ("orders[3].price: ...").
ApiError batch_item_error(std::size_t index, ApiError error);

}  // namespace replex::api
