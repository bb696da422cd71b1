// Order-entry bodies: POST /api/v1/orders/batch reads {"orders": [...]}
// into one entry per item; an invalid item becomes that item's error (naming
// "orders[i].<field>") and never disturbs the others; the batch's own
// problems (shape, size over api.max_submit_batch) refuse the request.
#include <gtest/gtest.h>

#include "order_body.hpp"

namespace replex::api {
namespace {

ApiResult<std::vector<OrderEntry>> parse_batch(const std::string& text, std::size_t max_items = 8) {
  auto body = parse_json_body(text);
  EXPECT_TRUE(body.ok()) << text;
  if (!body) return body.error();
  return parse_order_batch(*body, max_items);
}

TEST(OrderBatchBody, ValidAndInvalidItemsKeepTheirPlaces) {
  const std::string tx = to_base64(Bytes{1, 2, 3, 4});
  auto batch = parse_batch(R"({"orders": [
      {"market": "BTC-USD", "side": "buy", "price": 45000.10, "quantity": "0.5", "client_order_id": "a"},
      {"market": "BTC-USD", "side": "sell", "price": {"x": 1}, "quantity": "0.5"},
      {"transaction": ")" + tx + R"("},
      {"symbol": "ETH/USD", "side": "sell", "quantity": "2", "sdie": "x"},
      {"transaction": "not base64!"},
      7,
      {"transaction": ")" + tx + R"(", "market": "BTC-USD"},
      {"symbol": "BTC-USD", "side": "buy", "post_only": true, "good_til_height": "12"}
    ]})");
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_EQ(batch->size(), 8u);

  const auto& first = std::get<OrderFields>((*batch)[0]);
  EXPECT_EQ(first.market, "BTC-USD");
  EXPECT_EQ(first.price, "45000.10") << "a JSON number keeps its exact text";
  EXPECT_EQ(first.client_order_id, "a");

  const auto& bad_price = std::get<ApiError>((*batch)[1]);
  EXPECT_EQ(bad_price.code, "INVALID_ARGUMENT");
  EXPECT_EQ(bad_price.field, "orders[1].price");
  EXPECT_EQ(bad_price.message.rfind("orders[1].price: ", 0), 0u) << bad_price.message;

  EXPECT_EQ(std::get<Bytes>((*batch)[2]), (Bytes{1, 2, 3, 4}));

  const auto& unknown = std::get<ApiError>((*batch)[3]);
  EXPECT_EQ(unknown.code, "UNKNOWN_FIELD");
  EXPECT_EQ(unknown.field, "orders[3].sdie");

  const auto& not_base64 = std::get<ApiError>((*batch)[4]);
  EXPECT_EQ(not_base64.field, "orders[4].transaction");

  const auto& not_object = std::get<ApiError>((*batch)[5]);
  EXPECT_EQ(not_object.field, "orders[5]");
  EXPECT_NE(not_object.message.find("expected a JSON object, got a number"), std::string::npos) << not_object.message;

  const auto& mixed = std::get<ApiError>((*batch)[6]);
  EXPECT_EQ(mixed.code, "UNKNOWN_FIELD") << "a signed envelope carries nothing beside it";
  EXPECT_EQ(mixed.field, "orders[6].market");

  const auto& last = std::get<OrderFields>((*batch)[7]);
  EXPECT_EQ(last.market, "BTC-USD") << "symbol is market's alias";
  EXPECT_EQ(last.post_only, true);
  EXPECT_EQ(last.good_til_height, 12u);
}

TEST(OrderBatchBody, TheBatchItselfMustBeAnArrayOfOneToMaxItems) {
  const auto refused = [](const std::string& text, std::size_t max_items = 8) {
    auto batch = parse_batch(text, max_items);
    EXPECT_FALSE(batch.ok()) << text;
    return batch.ok() ? ApiError{} : batch.error();
  };
  EXPECT_EQ(refused(R"([{"market": "BTC-USD"}])").field, "");  // the body is not an object
  EXPECT_EQ(refused(R"({})").message, "orders: required (an array of orders)");
  EXPECT_EQ(refused(R"({"orders": null})").field, "orders");
  EXPECT_EQ(refused(R"({"orders": {"market": "BTC-USD"}})").message, "orders: expected an array of orders");
  EXPECT_EQ(refused(R"({"orders": []})").field, "orders");
  const ApiError extra = refused(R"({"orders": [{}], "wait": "commit"})");
  EXPECT_EQ(extra.code, "UNKNOWN_FIELD");
  EXPECT_EQ(extra.field, "wait");

  const ApiError over = refused(R"({"orders": [{}, {}, {}]})", 2);
  EXPECT_EQ(over.code, "BATCH_TOO_LARGE");
  EXPECT_EQ(over.http_status(), 413);
  EXPECT_EQ(over.field, "orders");
  EXPECT_NE(over.message.find("3 in the batch; 1..2 allowed (api.max_submit_batch)"), std::string::npos)
      << over.message;
  EXPECT_TRUE(parse_batch(R"({"orders": [{}, {}]})", 2).ok()) << "exactly the limit is allowed";
}

TEST(OrderBatchBody, ErrorsFromLaterChecksAreRenamedForTheirItem) {
  const ApiError price = batch_item_error(3, ApiError::bad_request("price", "price: must be positive"));
  EXPECT_EQ(price.field, "orders[3].price");
  EXPECT_EQ(price.message, "orders[3].price: must be positive");
  EXPECT_EQ(price.code, "INVALID_ARGUMENT");

  const ApiError fieldless = batch_item_error(0, ApiError::unauthorized("X-API-Key: required", "MISSING_API_KEY"));
  EXPECT_EQ(fieldless.field, "orders[0]");
  EXPECT_EQ(fieldless.message, "orders[0]: X-API-Key: required");
  EXPECT_EQ(fieldless.http_status(), 401);

  const ApiError named = ApiError::bad_request("orders[2].side", "orders[2].side: expected a string, got a number");
  EXPECT_EQ(batch_item_error(2, named).message, named.message) << "the parser's errors are named already";
}

TEST(OrderBody, ASingleOrderAndASignedEnvelopeReadAsBefore) {
  auto body = parse_json_body(R"({"transaction": "AQID"})");
  ASSERT_TRUE(body.ok());
  auto envelope = read_signed_envelope(*body);
  ASSERT_TRUE(envelope.has_value());
  ASSERT_TRUE(envelope->ok());
  EXPECT_EQ(**envelope, (Bytes{1, 2, 3}));

  auto order = parse_json_body(R"({"market": "BTC-USD", "symbol": "BTC-USD", "side": "buy"})");
  ASSERT_TRUE(order.ok());
  EXPECT_FALSE(read_signed_envelope(*order).has_value());
  JsonFields f(*order);
  (void)read_order_fields(f);
  auto error = f.finish();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->field, "symbol");
}

}  // namespace
}  // namespace replex::api
