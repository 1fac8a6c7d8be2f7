#include "server/privacy/PrivacyService.h"

#include "common/Time.h"
#include "server/conversation/ConversationLifecycle.h"
#include "server/core/Log.h"
#include "server/identity/IdentityRepository.h"
#include "server/identity/PasswordHasher.h"
#include "server/identity/TokenVerifier.h"
#include "server/matching/MatchingRepository.h"
#include "server/matching/QueueStore.h"
#include "server/storage/Database.h"

namespace fp {

namespace { } // namespace

Result<QJsonObject> PrivacyService::exportData(const QString &userId) const
{
    // One transaction: every table is read from the same consistent snapshot.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<QJsonObject> tables = m_repository.exportTables(userId);
    if (!tables)
        return tables.error();
    tx.commit();
    return QJsonObject {{QStringLiteral("format_version"), 1},
                        {QStringLiteral("exported_at"), toWireTime(now)},
                        {QStringLiteral("user_id"), userId},
                        {QStringLiteral("tables"), *tables}};
}

Result<QDateTime> PrivacyService::deleteAccount(const Caller &caller, const QJsonValue &body) const
{
    const QJsonObject o = body.toObject();
    QJsonObject problems;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != QLatin1String("password"))
            problems.insert(it.key(), QStringLiteral("is not a known field"));
    }
    const QJsonValue passwordValue = o.value(QStringLiteral("password"));
    const QString password = passwordValue.toString();
    if (!passwordValue.isString() || password.isEmpty() || password.size() > 128)
        problems.insert(QStringLiteral("password"),
                        QStringLiteral("required: your current password"));
    if (!problems.isEmpty())
        return AppError::validation(problems);

    Result<std::optional<UserRecord>> found = IdentityRepository().findUserById(caller.userId);
    if (!found)
        return found.error();
    if (!found->has_value() || (*found)->deleted())
        return AppError::unauthorized();
    const UserRecord &user = **found;
    // An account without a password (social-only) cannot confirm this way.
    const std::optional<bool> verified = user.passwordHash.isEmpty()
        ? std::optional<bool>(false)
        : PasswordHasher::verify(user.passwordHash, password);
    if (!verified)
        return AppError::unavailable(QStringLiteral("The server is busy, try again shortly"), 1);
    if (!*verified) {
        AppError wrong = AppError::forbidden(QStringLiteral("The password is wrong"));
        wrong.details = QJsonObject {
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("password"), QStringLiteral("is not your password")}}}};
        return wrong;
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    // The row lock serialises two deletions racing each other (and a ban racing this one).
    Result<std::optional<QString>> status = m_repository.lockUserStatus(user.id);
    if (!status)
        return status.error();
    if (!status->has_value() || **status == QLatin1String("deleted"))
        return AppError::unauthorized();
    if (Status s = m_repository.scrubAccount(user.id, now); !s)
        return s.error();
    if (Status s = m_repository.insertTombstone(user.id, now, QStringLiteral("user_request")); !s)
        return s.error();
    // Every session, the current one included ("-" matches no session id).
    Result<QStringList> revoked = IdentityRepository().revokeOtherSessions(
        user.id, QStringLiteral("-"), QStringLiteral("account_deleted"));
    if (!revoked)
        return revoked.error();
    Result<QStringList> closed =
        conversation::closeConversationsOf(user.id, conversation::CloseReason::UserEnd);
    if (!closed)
        return closed.error();
    Result<bool> dequeued =
        MatchingRepository().endEntry(user.id, QStringLiteral("cancelled"), now);
    if (!dequeued)
        return dequeued.error();
    Result<QStringList> ended = m_repository.endFriendships(user.id, now);
    if (!ended)
        return ended.error();
    Transaction::afterCommit([userId = user.id, ids = *revoked] {
        TokenVerifier::announceRevoked(userId, ids);
        TokenVerifier::forgetUser(userId);
        QueueStore::remove({userId});
    });
    if (!tx.commit())
        return databaseUnavailable();
    log::info(QStringLiteral("account_deleted"),
              {{QStringLiteral("user_id"), user.id},
               {QStringLiteral("sessions_revoked"), int(revoked->size())},
               {QStringLiteral("conversations_closed"), int(closed->size())},
               {QStringLiteral("friendships_ended"), int(ended->size())}});
    return now;
}

Result<int> PrivacyService::deleteExpiredMessages(const QDateTime &now, int retentionDays) const
{
    constexpr int kPerStatement = 1000;
    const QDateTime cutoff = now.addDays(-retentionDays);
    int total = 0;
    for (;;) {
        Result<int> deleted = m_repository.deleteExpiredMessages(cutoff, kPerStatement);
        if (!deleted)
            return deleted.error();
        total += *deleted;
        if (*deleted < kPerStatement)
            break;
    }
    if (total > 0)
        log::info(
            QStringLiteral("messages_expired"),
            {{QStringLiteral("count"), total}, {QStringLiteral("older_than"), toWireTime(cutoff)}});
    return total;
}

} // namespace fp
