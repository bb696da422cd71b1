#include "replex/api/chain_view_builder.hpp"

#include <set>
#include <type_traits>
#include <variant>

namespace replex::api {

ChainViewBuilder::ChainViewBuilder(const exchange::ExchangeApp& exchange, std::size_t book_depth_levels)
    : exchange_(exchange), book_depth_levels_(book_depth_levels) {}

std::shared_ptr<const ChainView> ChainViewBuilder::after_block(const ChainHead& head) {
  const std::vector<exchange::AccountId> touched = touched_accounts(exchange_.last_block_events());
  return build(head, touched, false);
}

std::shared_ptr<const ChainView> ChainViewBuilder::after_reset(const ChainHead& head) {
  return build(head, exchange_.accounts(), true);
}

std::shared_ptr<const ChainView> ChainViewBuilder::build(const ChainHead& head,
                                                         std::span<const exchange::AccountId> accounts,
                                                         bool replace_all) {
  auto view = std::make_shared<ChainView>();
  view->height = head.height;
  view->block_hash = head.block_hash;
  view->app_hash = head.app_hash;
  view->block_time_ms = head.time_ms;
  view->first_height = head.first_height;
  const exchange::ChainRules& rules = exchange_.rules();
  view->markets.reserve(rules.market_count());
  for (exchange::MarketIndex m = 0; m < rules.market_count(); ++m) {
    view->markets.push_back(
        MarketView{rules.market_spec(m).symbol, exchange_.depth(m, book_depth_levels_), exchange_.last_price(m)});
  }
  std::vector<std::shared_ptr<const AccountView>> refreshed;
  refreshed.reserve(accounts.size());
  for (const exchange::AccountId& account : accounts) {
    refreshed.push_back(std::make_shared<const AccountView>(
        AccountView{account, exchange_.balances(account)}));
  }
  accounts_ = (replace_all ? AccountIndex{} : accounts_).with(std::move(refreshed));
  view->accounts = accounts_;
  return view;
}

std::vector<exchange::AccountId> touched_accounts(std::span<const exchange::Event> events) {
  std::set<exchange::AccountId> accounts;
  for (const exchange::Event& e : events) {
    std::visit(
        [&](const auto& event) {
          using T = std::decay_t<decltype(event)>;
          if constexpr (std::is_same_v<T, exchange::event::Trade>) {
            accounts.insert(event.maker);
            accounts.insert(event.taker);
          } else if constexpr (std::is_same_v<T, exchange::event::WithdrawalRecorded>) {
            accounts.insert(event.withdrawal.account);
          } else if constexpr (requires { event.account; }) {
            accounts.insert(event.account);
          }
        },
        e);
  }
  return {accounts.begin(), accounts.end()};
}

}  // namespace replex::api
