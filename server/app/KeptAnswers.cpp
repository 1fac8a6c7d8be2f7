#include "server/app/KeptAnswers.h"

#include "server/profile/ProfileRoutes.h"
#include "server/trust/TrustRoutes.h"

#include <QSet>

namespace fp {

namespace {

// One line per eviction: "trust" (every kept view of a score) or "profile <user id>".
constexpr QByteArrayView kTrustLine = "trust";
constexpr QByteArrayView kProfilePrefix = "profile ";

} // namespace

KeptAnswers::KeptAnswers(qint64 lifetimeMs)
    : profiles(lifetimeMs, kMaxEntries), othersTrust(lifetimeMs, kMaxEntries)
{ }

void KeptAnswers::committed(const QList<OutboxEvent> &events,
                            const std::function<void(const QByteArray &)> &publish)
{
    bool trust = false;
    QSet<QString> people;
    for (const OutboxEvent &event : events) {
        trust = trust || keptTrustViewsChangedBy(event);
        if (QString userId; keptProfileChangedBy(event, &userId))
            people.insert(userId);
    }
    if (!trust && people.isEmpty())
        return;
    QByteArray lines;
    if (trust) {
        othersTrust.evictAll();
        lines += kTrustLine.toByteArray() + '\n';
    }
    for (const QString &userId : std::as_const(people)) {
        profiles.evict(userId);
        lines += kProfilePrefix.toByteArray() + userId.toUtf8() + '\n';
    }
    if (publish)
        publish(lines);
}

void KeptAnswers::evict(const QByteArray &evictions)
{
    for (const QByteArray &line : evictions.split('\n')) {
        if (line == kTrustLine)
            othersTrust.evictAll();
        else if (line.startsWith(kProfilePrefix))
            profiles.evict(QString::fromUtf8(line.sliced(kProfilePrefix.size())));
    }
}

void KeptAnswers::setListening(bool listening)
{
    profiles.setEnabled(listening);
    othersTrust.setEnabled(listening);
}

} // namespace fp
