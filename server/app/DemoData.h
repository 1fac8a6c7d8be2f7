#pragma once

// `friendship-server demo-data --users N --days D`: fills a database with a realistic history
// of N people over the last D days for looking at the analytics (docs/analytics.md) on a fresh
// machine. It goes the way of real events: every sign-up, onboarding, queue join, match, gate
// decision, reveal, reflection, report, prompt answer and client event is recorded in the
// outbox (backdated), and the analytics consumer applies them at once with its marks (the
// server relays them later; the consumer skips what it applied). No account is made: the
// people exist for analytics only.

#include "common/Result.h"
#include "server/events/Outbox.h"

#include <QList>

namespace fp {

struct DemoDataOptions
{
    int users = 500;
    int days = 90;
    quint32 seed = 42;
};

/// The events of a demo history, in time order. Pure (the seed decides everything).
QList<OutboxEvent> demoHistory(const DemoDataOptions &options, const QDateTime &now);

/// Records demoHistory() in the outbox and applies it to the analytics rollups (the database
/// must be configured). Returns how many events were recorded.
Result<qint64> recordDemoData(const DemoDataOptions &options);

} // namespace fp
