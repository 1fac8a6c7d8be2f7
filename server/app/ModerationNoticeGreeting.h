#pragma once

// A warned or restricted person's pending moderation notices reach them when they next sign
// in (docs/moderation.md, "Actions"): every socket that authenticates on /ws is sent one
// `moderation.notice` frame per notice not yet acknowledged, right after `auth.ok`, until the
// person acknowledges it (POST /api/me/notices/{id}/ack).

namespace fp {

class Gateway;
class SafetyService;

void greetWithPendingNotices(Gateway &gateway, const SafetyService &safety);

} // namespace fp
