#pragma once

// GET /api/trust_score/{user_id}, and the staff's view of a person's trust:
// GET /api/admin/users/{id}/trust-score, /trust-events and /trust-history.

namespace fp {

class ReadCache;
class Router;
class TrustService;
struct OutboxEvent;

/// `keptViews` holds what one person sees of another's score, by viewer and person
/// (docs/performance.md).
void registerTrustRoutes(Router &router, const TrustService &trust, ReadCache &keptViews);

/// Whether a committed event can change what someone sees of another's score (the score, or
/// whether they may see it): anything but the events known not to.
bool keptTrustViewsChangedBy(const OutboxEvent &event);

} // namespace fp
