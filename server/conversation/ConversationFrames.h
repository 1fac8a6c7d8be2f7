#pragma once

// The conversation domain's WebSocket frames (chat.send, chat.typing, gate.decide, resume):
// thin adapters over ConversationService, registered on the Gateway at start.

namespace fp {

class Gateway;

void registerConversationFrames(Gateway &gateway);

} // namespace fp
