# The fuzz targets (tests/fuzz/<name>.cpp, seed corpus tests/fuzz/corpus/<name>/),
# read by the fuzz build and by the main build's Fuzz.<name> tests.
set(REPLEX_FUZZ_TARGETS
  decimal
  tx_envelope
  tx_body
  p2p_message
  p2p_handshake
  consensus_message
  consensus_certificate
  serving_answer
  config_yaml
  rest_json)
