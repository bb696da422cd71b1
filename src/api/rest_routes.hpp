// The REST routes under /api/v1, plus /healthz and /readyz (docs/api.md and
// docs/openapi.yaml, which list every route, parameter and answer). Each
// route parses its request, calls ExchangeApi and renders JSON; errors are
// {"code", "message", "field"} with the status ApiError::http_status picks.
#pragma once

#include "http_server.hpp"

namespace replex::api {

class ExchangeApi;
class ReadModel;

RequestHandler make_rest_routes(ExchangeApi& api, ReadModel& model);

}  // namespace replex::api
