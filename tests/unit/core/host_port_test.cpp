// One "host:port" syntax for listen addresses and peer addresses alike.
#include <gtest/gtest.h>

#include "replex/core/host_port.hpp"

namespace replex {
namespace {

std::string error_of(std::string_view text, HostPortRules rules = {}) {
  auto parsed = parse_host_port(text, rules);
  EXPECT_FALSE(parsed.is_ok()) << text;
  return parsed.is_ok() ? "" : parsed.status().message();
}

TEST(HostPort, ParsesNamesIpv4AndBracketedIpv6) {
  EXPECT_EQ(parse_host_port("node-1.replex.svc:26656", {}).value(), (HostPort{"node-1.replex.svc", 26656}));
  EXPECT_EQ(parse_host_port("127.0.0.1:80", {}).value(), (HostPort{"127.0.0.1", 80}));
  const HostPort v6 = parse_host_port("[::1]:9000", {}).value();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.to_string(), "[::1]:9000");
}

TEST(HostPort, IpOnlyAndPortZeroAreTheCallersChoice) {
  const HostPortRules listen{.ip_literal_only = true, .allow_port_zero = true};
  EXPECT_EQ(parse_host_port("[::1]:0", listen).value().port, 0);
  EXPECT_NE(error_of("example.com:1", listen).find("must be an IP address"), std::string::npos);
  EXPECT_NE(error_of("127.0.0.1:0").find("port must be 1..65535"), std::string::npos);
}

TEST(HostPort, BothUsesRefuseUnbracketedIpv6) {
  // The listen parser once took "::1:80" as host "::1"; now every parser refuses it.
  EXPECT_NE(error_of("::1:80").find("bracketed"), std::string::npos);
  EXPECT_NE(error_of("::1:80", {.ip_literal_only = true, .allow_port_zero = true}).find("bracketed"),
            std::string::npos);
  EXPECT_NE(error_of("[::1:80").find("[ipv6]:port"), std::string::npos);
  EXPECT_NE(error_of("host").find("expected host:port"), std::string::npos);
  EXPECT_NE(error_of(":80").find("empty host"), std::string::npos);
  EXPECT_NE(error_of("ho st:1").find("invalid character"), std::string::npos);
  EXPECT_NE(error_of("host:70000").find("port"), std::string::npos);
}

}  // namespace
}  // namespace replex
