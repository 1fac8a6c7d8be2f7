#include "server/privacy/PrivacyService.h"

#include "common/Time.h"
#include "server/base/Log.h"
#include "server/events/Outbox.h"
#include "server/events/UserNotices.h"
#include "server/identity/IdentityService.h"
#include "server/storage/Database.h"

namespace fp {

Result<QJsonObject> PrivacyService::exportData(const QString &userId) const
{
    // One transaction: every table is read from the same consistent snapshot.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QJsonObject tables;
    for (const PersonalDataHolder &holder : m_ports.holders) {
        if (!holder.exportFor)
            continue;
        Result<QJsonObject> part = holder.exportFor(userId);
        if (!part)
            return part.error();
        for (auto it = part->begin(); it != part->end(); ++it)
            tables.insert(it.key(), it.value());
    }
    tx.commit();
    return QJsonObject {{QStringLiteral("format_version"), 1},
                        {QStringLiteral("exported_at"), toWireTime(now)},
                        {QStringLiteral("user_id"), userId},
                        {QStringLiteral("tables"), tables}};
}

Result<QDateTime> PrivacyService::deleteAccount(const Caller &caller, const QString &password,
                                                const QString &clientAddress) const
{
    // The same throttle as login: a stolen access token must not become a way to guess the
    // password without the account locking.
    if (Status confirmed = m_identity.confirmOwner(caller, password, clientAddress); !confirmed)
        return confirmed.error();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    // The identity domain's erasure comes first: it locks the account row, so two deletions
    // racing each other (or a ban racing this one) take turns.
    if (Status erased = m_identity.eraseFor(caller.userId, now); !erased)
        return erased.error();
    if (Status s = m_repository.insertTombstone(caller.userId, now, QStringLiteral("user_request"));
        !s)
        return s.error();
    for (const PersonalDataHolder &holder : m_ports.holders) {
        if (!holder.eraseFor)
            continue;
        if (Status erased = holder.eraseFor(caller.userId, now); !erased) {
            log::warning(QStringLiteral("account_deletion_failed"),
                         {{QStringLiteral("user_id"), caller.userId},
                          {QStringLiteral("holder"), holder.name},
                          {QStringLiteral("error"), erased.error().message}});
            return erased.error();
        }
    }
    // The deleted person is the subject; no actor, as every other event of theirs is about to
    // lose its actor too.
    if (Status recorded =
            Outbox::record({.type = event::AccountDeleted,
                            .subjectType = QLatin1StringView("user"),
                            .subjectId = caller.userId,
                            .actorUserId = {},
                            .payload = {{QStringLiteral("reason"), QStringLiteral("user_request")}},
                            .occurredAt = {}});
        !recorded)
        return recorded.error();
    // Kept events forget who acted. Run just before the commit, after the outbox has written the
    // events this deletion recorded itself (the erasures above, registered first), so those
    // forget it too.
    Transaction::beforeCommit([userId = caller.userId] {
        return Outbox::anonymise(userId).ok() && UserNotices::forget(userId).ok();
    });
    if (!tx.commit())
        return databaseUnavailable();
    log::info(QStringLiteral("account_deleted"), {{QStringLiteral("user_id"), caller.userId}});
    return now;
}

} // namespace fp
