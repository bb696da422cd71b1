// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/)
// from real encodings: `make fuzz-seeds`, or
//   build-fuzz/tests/fuzz/fuzz_make_seeds <source dir>
// Each seed starts with the selector or flag bytes its target reads (see the
// target's header comment). Deterministic: keys come from labels, so the
// files only change when an encoding does. Also checks that every seed of
// a decoder decodes, so a stale generator is noticed.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fuzz/consensus_common.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/consensus/certificates.hpp"
#include "replex/consensus/wal.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "replex/host/peer_request.hpp"
#include "replex/host/serving.hpp"
#include "replex/p2p/frame.hpp"
#include "replex/p2p/handshake.hpp"
#include "replex/p2p/message.hpp"

namespace fs = std::filesystem;
using namespace replex;

namespace {

fs::path g_root;
int g_written = 0;

void write(const std::string& target, const std::string& name, ByteView bytes) {
  const fs::path dir = g_root / "tests/fuzz/corpus" / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ++g_written;
}

void write(const std::string& target, const std::string& name, std::uint8_t selector, ByteView bytes) {
  Bytes b{selector};
  b.insert(b.end(), bytes.begin(), bytes.end());
  write(target, name, b);
}

void write_text(const std::string& target, const std::string& name, std::string_view prefix, std::string_view text) {
  std::string s(prefix);
  s += text;
  write(target, name, as_bytes(s));
}

void require(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "make_seeds: " << what << "\n";
    std::exit(1);
  }
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- decimal -----------------------------------------------------------------------
void decimals() {
  struct Seed {
    std::uint8_t scale, flags;
    const char* text;
  };
  const Seed seeds[] = {{2, 0, "45000.00"}, {8, 0, "0.00000001"}, {6, 1, "-1.5"},      {0, 0, "18446744073709551615"},
                        {18, 1, "-9.223372036854775807"},       {2, 2, "1.5"},       {3, 0, "1e5"},
                        {2, 0, "007.10"},   {4, 1, "-0"},        {2, 0, "1."}};
  int i = 0;
  for (const Seed& s : seeds) {
    Bytes b{s.scale, s.flags};
    const std::string_view t(s.text);
    b.insert(b.end(), t.begin(), t.end());
    write("decimal", "seed" + std::to_string(i++), b);
  }
}

// --- transactions ------------------------------------------------------------------
std::vector<std::pair<std::string, Bytes>> bodies() {
  using namespace exchange;
  std::vector<std::pair<std::string, Bytes>> out;
  PlaceOrderArgs a;
  a.market = "BASE-QUOTE";
  a.side = Side::kBuy;
  a.price = 100;
  a.quantity = 5;
  out.emplace_back("place_limit", tx_body::place_order({1, 100}, a));
  a.market = "BTC-USDT";
  a.type = OrderType::kStopLimit;
  a.side = Side::kSell;
  a.time_in_force = TimeInForce::kIoc;
  a.post_only = true;
  a.price = 4'500'000;
  a.stop_price = 4'400'000;
  a.quantity = 300'000;
  a.display_quantity = 100'000;
  a.client_order_id = "my-order-1";
  a.self_trade_prevention = SelfTradePrevention::kExpireBoth;
  out.emplace_back("place_stop_limit", tx_body::place_order({2, 200}, a));
  PlaceOrderArgs m;
  m.market = "BTC-USDT";
  m.type = OrderType::kMarket;
  m.side = Side::kBuy;
  m.protection_price = 4'600'000;
  m.quote_budget = 1'000'000'000;
  out.emplace_back("place_market_budget", tx_body::place_order({3, 300}, m));
  out.emplace_back("cancel", tx_body::cancel_order({4, 400}, "BASE-QUOTE", 42));
  out.emplace_back("cancel_client_id", tx_body::cancel_order_by_client_id({5, 500}, "BTC-USDT", "my-order-1"));
  out.emplace_back("cancel_all", tx_body::cancel_all({6, 600}, ""));
  out.emplace_back("cancel_all_market", tx_body::cancel_all({7, 700}, "BTC-USDT"));
  out.emplace_back("amend", tx_body::amend_order({8, 800}, "BASE-QUOTE", 42, 101, 6));
  out.emplace_back("withdraw", tx_body::withdraw({9, 900}, "USDT", 1'000'000));
  out.emplace_back("withdraw_chain", tx_body::withdraw({10, 1000}, "BASE", 7, 31337));
  DepositAttestationArgs d;
  d.chain_id = 1;
  d.deposit_id = 17;
  d.account = KeyPair::from_label("alice").public_key();
  d.asset = "BTC";
  d.amount = 50'000;
  d.eth_tx_hash[0] = 0xab;
  out.emplace_back("deposit_attestation", tx_body::deposit_attestation({11, 1100}, d));
  EthAddress addr{};
  addr[19] = 0x42;
  out.emplace_back("register_address", tx_body::register_settlement_address({12, 1200}, addr));
  out.emplace_back("genesis_allocation",
                   tx_body::genesis_allocation({13, 1300}, KeyPair::from_label("alice").public_key(), "BASE", 5));
  return out;
}

void transactions() {
  const KeyPair alice = KeyPair::from_label("alice");
  for (const auto& [name, body] : bodies()) {
    // tx_body: flags byte (bit 0: signed by attester val0), then the body.
    write("tx_body", name, name == "deposit_attestation" ? 1 : 0, body);
    const Bytes env = seal_envelope(alice, "replex-fuzz", body);
    require(open_envelope(env, "replex-fuzz").is_ok(), "envelope seed does not open");
    write("tx_envelope", name, env);
  }
}

// --- p2p -----------------------------------------------------------------------------
void p2p_seeds() {
  using namespace p2p;
  const NodeId a = KeyPair::from_label("fuzz-peer-a").public_key();
  const NodeId b = KeyPair::from_label("fuzz-peer-b").public_key();
  const std::vector<std::pair<std::string, Message>> messages = {
      {"ping", Ping{7}},
      {"pong", Pong{7}},
      {"direct", Direct{Channel::kConsensus, Bytes{1, 2, 3}}},
      {"gossip", Gossip{Channel::kTransactions, {a, b}, {Bytes{9, 9}, Bytes{8}}}},
      {"request", Request{Channel::kStateTransfer, 5, Bytes{0, 1}}},
      {"request_pex", Request{Channel::kPeerExchange, 6, {}}},
      {"response", Response{5, Status::ok(), Bytes{4, 5, 6}}},
      {"response_error", Response{5, Status::not_found("no such block"), {}}},
  };
  for (const auto& [name, m] : messages) {
    const Bytes encoded = encode_message(m);
    require(decode_message(encoded).is_ok(), "p2p seed does not decode: " + name);
    write("p2p_message", name, 0, encoded);
  }
  const std::vector<PexAddress> addrs = {{a, "10.0.0.1", 26656}, {b, "2001:db8::1", 26657}, {a, "::ffff:1.2.3.4", 1}};
  write("p2p_message", "pex", 1, encode_pex_addresses(addrs));

  // Handshake: a Hello (from an initiator on this chain), its signature, the
  // frame length of the next frame, then (u8 length, plaintext) pairs.
  const KeyPair initiator = KeyPair::from_label("fuzz-initiator");
  Handshake hs(Role::kInitiator, initiator, "replex-fuzz", 0);
  Bytes stream = hs.local_hello();
  const Bytes auth(kAuthBytes, 0x11);
  stream.insert(stream.end(), auth.begin(), auth.end());
  const Bytes header = {0, 0, 0, 40};
  stream.insert(stream.end(), header.begin(), header.end());
  for (const auto& [name, m] : messages) {
    const Bytes encoded = encode_message(m);
    if (encoded.size() > 255) continue;
    stream.push_back(static_cast<std::uint8_t>(encoded.size()));
    stream.insert(stream.end(), encoded.begin(), encoded.end());
  }
  write("p2p_handshake", "hello_auth_frames", stream);
  Handshake other_chain(Role::kInitiator, initiator, "another-chain", 26656);
  write("p2p_handshake", "hello_other_chain", other_chain.local_hello());
}

// --- consensus -------------------------------------------------------------------------
// Peer requests and catch-up answers (fuzz/serving_answer.cpp), around a real
// certified block and checkpoint proof.
void serving_seeds(const Bytes& proof, const std::vector<consensus::CertifiedBlockBytes>& blocks) {
  using host::PeerRequestKind;
  const std::pair<std::string, host::PeerRequest> requests[] = {
      {"request_blocks", {PeerRequestKind::kBlocks, 1, 64}},
      {"request_state", {PeerRequestKind::kState, 10, 0}},
      {"request_offer", {PeerRequestKind::kStateOffer, 10, 0, 1u << 20}},
      {"request_chunk", {PeerRequestKind::kChunk, 20, 0, 1u << 20, 3}}};
  for (const auto& [name, request] : requests) {
    require(host::decode_peer_request(host::encode_peer_request(request)).is_ok(), "peer request seed " + name);
    write("serving_answer", name, 0, host::encode_peer_request(request));
  }
  const host::ServeLimits limits;
  const Bytes blocks_answer = host::encode_blocks_answer(blocks);
  require(host::decode_blocks_answer(blocks_answer, limits).is_ok(), "blocks answer seed");
  write("serving_answer", "blocks_answer", 1, blocks_answer);
  consensus::StateReceived state{std::nullopt, proof, Bytes(200, 0x5a), blocks, std::nullopt};
  const Bytes state_answer = host::encode_state_answer(state);
  require(host::decode_state_answer(state_answer, limits).is_ok(), "state answer seed");
  write("serving_answer", "state_answer", 2, state_answer);
  state.snapshot.clear();
  state.snapshot_bytes = 5u << 20;
  const Bytes offer = host::encode_state_answer(state);
  require(host::decode_state_answer(offer, limits).is_ok(), "state offer seed");
  write("serving_answer", "state_offer", 2, offer);
  const Bytes chunk = host::encode_chunk_answer({std::nullopt, 20, 3, sha256("midstate"), Bytes(256, 0xa5)});
  require(host::decode_chunk_answer(chunk, limits).is_ok(), "chunk answer seed");
  write("serving_answer", "chunk_answer", 3, chunk);
}

void consensus_seeds() {
  using namespace consensus;
  const std::string chain(fuzz::kConsensusChainId);
  const auto key = [](ValidatorIndex i) { return fuzz::validator_key(i); };
  const Block block = make_block(chain, 1, 1'700'000'000'000, sha256("genesis"), 0,
                                 {Bytes{1, 2, 3}, Bytes{4, 5}});
  const Bytes block_bytes = encode_block(block);
  const Hash256 h1 = block_hash(block.header);
  const VoteBody vote{0, 1, h1};

  auto sign_vote = [&](MessageType type, ValidatorIndex i, const VoteBody& v) {
    return SignerSignature{i, sign_consensus(key(i), chain, vote_signed_bytes(type, i, v))};
  };
  CommitCertificate commit{0, 1, h1, {}};
  for (ValidatorIndex i = 0; i < 3; ++i) commit.signatures.push_back(sign_vote(MessageType::kCommit, i, vote));
  require(verify_commit_certificate(commit, fuzz::validators(), chain).is_ok(), "commit certificate seed");

  const Block block2 = make_block(chain, 2, 1'700'000'000'100, h1, 1, {Bytes{7}});
  const Hash256 h2 = block_hash(block2.header);
  const VoteBody vote2{1, 2, h2};
  PreparedCertificate prepared{1, 2, h2, sign_consensus(key(1), chain, vote_signed_bytes(MessageType::kPrePrepare, 1, vote2)), {}};
  for (ValidatorIndex i : {0u, 2u}) prepared.prepares.push_back(sign_vote(MessageType::kPrepare, i, vote2));
  require(verify_prepared_certificate(prepared, fuzz::validators(), chain).is_ok(), "prepared certificate seed");

  const CheckpointBody cp{10, sha256("block10"), sha256("app"), sha256("snapshot")};
  CheckpointProof proof{cp, {}};
  for (ValidatorIndex i = 1; i < 4; ++i) {
    proof.signatures.push_back({i, sign_consensus(key(i), chain, checkpoint_signed_bytes(i, cp))});
  }
  require(verify_checkpoint_proof(proof, fuzz::validators(), chain, 10).is_ok(), "checkpoint proof seed");

  // Messages.
  std::vector<std::pair<std::string, Message>> messages;
  messages.emplace_back("pre_prepare", sign_message(MessageType::kPrePrepare, 0, vote, {block_bytes}, key(0), chain));
  messages.emplace_back("prepare", sign_message(MessageType::kPrepare, 1, vote, {}, key(1), chain));
  messages.emplace_back("commit", sign_message(MessageType::kCommit, 2, vote, {}, key(2), chain));
  messages.emplace_back("checkpoint", sign_message(MessageType::kCheckpoint, 3, cp, {}, key(3), chain));
  ViewChangeBody vc_empty{2, 0, sha256("genesis"), std::nullopt, {}};
  messages.emplace_back("view_change_empty", sign_message(MessageType::kViewChange, 1, vc_empty, {}, key(1), chain));
  ViewChangeBody vc_full{2, 1, h1, commit, {prepared}};
  messages.emplace_back("view_change_prepared",
                        sign_message(MessageType::kViewChange, 3, vc_full, {encode_block(block2)}, key(3), chain));
  NewViewBody nv{2, {}, {}};
  for (ValidatorIndex i = 0; i < 3; ++i) {
    ViewChangeBody body = i == 2 ? vc_full : vc_empty;
    const Signature s = sign_consensus(key(i), chain, view_change_signed_bytes(i, body));
    nv.view_changes.push_back({i, body, s});
  }
  nv.proposals.push_back({2, h2, sign_consensus(key(2), chain, vote_signed_bytes(MessageType::kPrePrepare, 2, {2, 2, h2}))});
  messages.emplace_back("new_view", sign_message(MessageType::kNewView, 2, nv, {encode_block(block2)}, key(2), chain));
  for (const auto& [name, m] : messages) {
    const Bytes wire = encode_message(m);
    const auto decoded = decode_message(wire, fuzz::validators(), fuzz::kMessageLimits);
    require(decoded.is_ok(), "consensus seed does not decode: " + name + ": " + decoded.status().to_string());
    write("consensus_message", name, wire);
  }

  // Certificates, blocks, WAL records.
  write("consensus_certificate", "commit_certificate", 0, encode_commit_certificate(commit));
  write("consensus_certificate", "checkpoint_proof", 1, encode_checkpoint_proof(proof));
  write("consensus_certificate", "block", 2, block_bytes);
  write("consensus_certificate", "block_empty", 2, encode_block(make_block(chain, 3, 1, h2, 2, {})));
  write("consensus_certificate", "wal_own_message", 3,
        encode_wal_record(WalRecordKind::kOwnMessage, encode_message(messages[1].second)));
  const Bytes prepared_record = encode_prepared_record(prepared, encode_block(block2));
  write("consensus_certificate", "wal_prepared", 3, encode_wal_record(WalRecordKind::kPrepared, prepared_record));
  write("consensus_certificate", "prepared_record", 4, prepared_record);
  const Bytes cert_bytes = encode_commit_certificate(commit);
  Bytes certified{static_cast<std::uint8_t>(block_bytes.size() >> 8), static_cast<std::uint8_t>(block_bytes.size())};
  certified.insert(certified.end(), block_bytes.begin(), block_bytes.end());
  certified.insert(certified.end(), cert_bytes.begin(), cert_bytes.end());
  const ChainContext ctx{fuzz::validators(), chain, fuzz::kBlockLimits, 10};
  require(verify_certified_block({block_bytes, cert_bytes}, ctx).is_ok(), "certified block seed");
  write("consensus_certificate", "certified_block", 5, certified);
  serving_seeds(encode_checkpoint_proof(proof), {{block_bytes, cert_bytes}});
}

// --- config ------------------------------------------------------------------------------
void config_seeds() {
  const fs::path examples = g_root / "config";
  write_text("config_yaml", "validator_example", std::string_view("\x00", 1), read_text(examples / "validator.example.yaml"));
  write_text("config_yaml", "observer_example", std::string_view("\x00", 1), read_text(examples / "observer.example.yaml"));
  const std::string genesis = read_text(examples / "genesis.example.yaml");
  require(config::parse_genesis_file(genesis, "genesis.example.yaml").is_ok(), "genesis.example.yaml does not parse");
  write_text("config_yaml", "genesis_example", "\x01", genesis);
  write_text("config_yaml", "settlement_section", "\x02",
             "settlement:\n  enabled: true\n  chains:\n    - chain_id: 31337\n      rpc_url: http://127.0.0.1:8545\n");
  write_text("config_yaml", "listen_v4", "\x03", "127.0.0.1:8080");
  write_text("config_yaml", "listen_v6", "\x03", "[::1]:0");
}

// --- REST ----------------------------------------------------------------------------------
void rest_seeds() {
  const std::pair<const char*, const char*> seeds[] = {
      {"order", R"({"market":"BTC-USDT","side":"buy","type":"limit","price":"45000.10","quantity":0.5,)"
                R"("time_in_force":"gtc","post_only":false,"client_order_id":"c-1","good_til_height":"120"})"},
      {"order_symbol", R"({"symbol":"BTC-USDT","side":"sell","type":"market","quantity":"1","protection_price":44000})"},
      {"amend", R"({"price":"45001","quantity":"0.25"})"},
      {"withdrawal", R"({"asset":"USDT","amount":"100.5","chain_id":31337})"},
      {"settlement_address", R"({"eth_address":"0x00000000000000000000000000000000000000aa"})"},
      {"transaction", R"({"transaction":"CgIIAQ=="})"},
      {"nested", R"({"a":[1,2,{"b":[-3.5e2,true,null]}],"s":"\u00e9\n"})"},
      {"order_batch", R"({"orders":[{"market":"BTC-USDT","side":"buy","price":"45000.10","quantity":0.5},)"
                      R"({"transaction":"CgIIAQ=="},{"market":"BTC-USDT","side":"sell","price":"x"},7]})"},
  };
  for (const auto& [name, text] : seeds) write_text("rest_json", name, "", text);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds <source dir>\n";
    return 2;
  }
  g_root = argv[1];
  require(fs::exists(g_root / "src/modules.txt"), "not the source dir: " + g_root.string());
  decimals();
  transactions();
  p2p_seeds();
  consensus_seeds();
  config_seeds();
  rest_seeds();
  std::cout << "make_seeds: wrote " << g_written << " files under " << (g_root / "tests/fuzz/corpus").string() << "\n";
  return 0;
}
