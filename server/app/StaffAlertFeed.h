#pragma once

// The staff alert feed on /ws (docs/moderation.md, "Live alerts"): a moderator's or admin's
// socket sends `staff.subscribe {after_id}` and then hears every `staff.alert` raised on any
// instance; `after_id` replays what it missed from the kept alerts first.

namespace fp {

class Gateway;
class SafetyService;

void registerStaffAlertFeed(Gateway &gateway, const SafetyService &safety);

} // namespace fp
