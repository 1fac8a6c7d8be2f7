#pragma once

// The conversation domain's HTTP routes (API_SPEC.md "Conversations").

namespace fp {

class Router;

void registerConversationRoutes(Router &router);

} // namespace fp
