// Request bodies: numbers keep their source text (never a double), fields
// are read strictly and errors name them.
#include <gtest/gtest.h>

#include "json_body.hpp"

namespace replex::api {
namespace {

TEST(JsonBody, NumbersKeepTheirExactSourceText) {
  auto body = parse_json_body(R"({"price": 45000.10, "quantity": 0.1, "big": 123456789012345678901234567890,
                                  "n": 7, "neg": -3})");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(number_text((*body)["price"]).value(), "45000.10") << "not 45000.1 nor 45000.099999...";
  EXPECT_EQ(number_text((*body)["quantity"]).value(), "0.1");
  EXPECT_EQ(number_text((*body)["big"]).value(), "123456789012345678901234567890");
  EXPECT_EQ(number_text((*body)["n"]).value(), "7");
  EXPECT_EQ(number_text((*body)["neg"]).value(), "-3");
}

TEST(JsonBody, MalformedAndTooDeepBodiesAreRefused) {
  auto empty = parse_json_body("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().http_status(), 400);
  auto broken = parse_json_body(R"({"a": )");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "MALFORMED_JSON");
  EXPECT_NE(broken.error().message.find("byte"), std::string::npos) << broken.error().message;
  auto deep = parse_json_body(std::string(40, '[') + std::string(40, ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("deeper"), std::string::npos);
}

TEST(JsonBody, ARepeatedFieldIsRefusedNotOverwritten) {
  auto body = parse_json_body(R"({"price": "1", "side": "buy", "price": "2"})");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, "MALFORMED_JSON");
  EXPECT_NE(body.error().message.find("duplicate field 'price'"), std::string::npos) << body.error().message;
  EXPECT_TRUE(parse_json_body(R"({"a": {"price": 1}, "b": {"price": 2}})").ok()) << "the same key in two objects";
}

TEST(JsonFields, ReadsTypesStrictlyAndNamesTheField) {
  auto body = parse_json_body(R"({"side": "buy", "price": "1.5", "qty": 2.25, "post_only": true,
                                  "height": "12", "bad": "x1", "flag": "yes"})");
  ASSERT_TRUE(body.ok());
  JsonFields f(*body);
  EXPECT_EQ(f.string("side").value(), "buy");
  EXPECT_EQ(f.decimal("price").value(), "1.5");
  EXPECT_EQ(f.decimal("qty").value(), "2.25");
  EXPECT_EQ(f.boolean("post_only").value(), true);
  EXPECT_EQ(f.u64("height").value(), 12u);
  EXPECT_FALSE(f.string("missing").has_value());
  EXPECT_FALSE(f.failed());
  EXPECT_FALSE(f.u64("bad").has_value());
  EXPECT_TRUE(f.failed());
  auto error = f.finish();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->field, "bad");
  EXPECT_NE(error->message.find("unsigned 64-bit integer"), std::string::npos);
}

TEST(JsonFields, UnknownFieldsAndNonObjectsAreErrors) {
  auto body = parse_json_body(R"({"side": "buy", "sdie": "sell"})");
  ASSERT_TRUE(body.ok());
  JsonFields f(*body, "order");
  (void)f.string("side");
  auto error = f.finish();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "UNKNOWN_FIELD");
  EXPECT_EQ(error->field, "order.sdie");

  auto array = parse_json_body("[1]");
  ASSERT_TRUE(array.ok());
  JsonFields g(*array);
  EXPECT_TRUE(g.failed());
  EXPECT_NE(g.finish()->message.find("expected a JSON object"), std::string::npos);

  auto wrong = parse_json_body(R"({"side": 3})");
  JsonFields h(*wrong);
  EXPECT_FALSE(h.string("side"));
  EXPECT_NE(h.finish()->message.find("expected a string, got a number"), std::string::npos);
}

}  // namespace
}  // namespace replex::api
