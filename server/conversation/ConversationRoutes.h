#pragma once

// The conversation domain's bindings: /api/conversations/... over HTTP (panic exit included)
// and the chat.send, chat.typing, gate.decide and resume frames of /ws.

namespace fp {

class Catalog;
class ConversationService;
class Gateway;
class Router;

void registerConversationRoutes(Router &router, Gateway &gateway,
                                const ConversationService &conversations, const Catalog &catalog);

} // namespace fp
