#include "server/trust/TrustRepository.h"

#include "server/base/Log.h"
#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QJsonDocument>
#include <algorithm>

namespace fp {

namespace {

QString compact(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject objectFrom(const QVariant &column)
{
    return QJsonDocument::fromJson(column.toString().toUtf8()).object();
}

// Columns: components_json, cooldown_applied, updated_at, score.
std::optional<StoredTrust> storedFrom(const SqlResult &r)
{
    const std::optional<TrustState> state = TrustState::fromStored(
        objectFrom(r.value(0)), r.value(1).toInt() != 0, Sql::toTime(r.value(2)));
    if (!state)
        return std::nullopt;
    return StoredTrust {*state, r.value(3).toInt()};
}

AppError unreadableRow(const QString &userId)
{
    log::error(QStringLiteral("trust_row_unreadable"), {{QStringLiteral("user_id"), userId}});
    return AppError::internal();
}

admin::TrustEvent trustEventFrom(const SqlResult &r)
{
    admin::TrustEvent e;
    e.id = r.value(0).toString();
    e.delta = r.value(1).toInt();
    e.source = r.value(2).toString();
    e.sourceRefId = r.value(3).toString();
    e.metadata = QJsonDocument::fromJson(r.value(4).toByteArray()).object();
    e.createdAt = Sql::toTime(r.value(5));
    e.scoreAfter = 50 + r.value(6).toInt();
    return e;
}

} // namespace

Result<StoredTrust> TrustRepository::lockState(const QString &userId,
                                               const QDateTime &createdAt) const
{
    // INSERT ... ON DUPLICATE KEY UPDATE takes an exclusive lock on the row whether it creates
    // it or finds it. (SELECT ... FOR UPDATE then INSERT would deadlock two first signals: both
    // take the gap lock, then each waits for the other's to insert.)
    SqlResult created =
        Sql::exec(QStringLiteral("INSERT INTO trust_scores (user_id, score, cooldown_applied, "
                                 "components_json, updated_at) VALUES (?, ?, 0, ?, ?) "
                                 "ON DUPLICATE KEY UPDATE user_id = user_id"),
                  {userId, TrustState::initial().score(),
                   compact(TrustState::initial().componentsJson()), Sql::time(createdAt)});
    if (created.failure() == DbFailure::ForeignKey)
        return AppError::notFound(QStringLiteral("No such user"));
    if (!created.ok())
        return created.toAppError();
    SqlResult r = Sql::exec(QStringLiteral("SELECT components_json, cooldown_applied, "
                                           "updated_at, score FROM trust_scores "
                                           "WHERE user_id = ? FOR UPDATE"),
                            {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return unreadableRow(userId);
    std::optional<StoredTrust> stored = storedFrom(r);
    if (!stored)
        return unreadableRow(userId);
    return *stored;
}

Result<std::optional<StoredTrust>> TrustRepository::findState(const QString &userId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT components_json, cooldown_applied, "
                                           "updated_at, score FROM trust_scores "
                                           "WHERE user_id = ?"),
                            {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<StoredTrust>();
    std::optional<StoredTrust> stored = storedFrom(r);
    if (!stored)
        return unreadableRow(userId);
    return stored;
}

Result<std::optional<TrustSeen>> TrustRepository::findSeenBy(const QString &userId,
                                                             const QString &viewerId,
                                                             const PairCondition &viewerMay) const
{
    // users is identity's table, read here (docs/architecture.md) so that a view of a score
    // is one round trip: whether the account exists, its row, and whether this viewer may see
    // it.
    SqlResult r = Sql::exec(QStringLiteral("SELECT s.components_json, s.cooldown_applied, "
                                           "s.updated_at, s.score, u.created_at, ") +
                                viewerMay.sql +
                                QStringLiteral(" FROM users u LEFT JOIN trust_scores s ON "
                                               "s.user_id = u.id WHERE u.id = ? AND "
                                               "u.deleted_at IS NULL AND u.status <> 'deleted'"),
                            viewerMay.values(viewerId, userId) + QVariantList {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<TrustSeen>();
    TrustSeen seen;
    seen.accountCreatedAt = Sql::toTime(r.value(4));
    seen.viewerMay = r.value(5).toInt() != 0;
    if (!r.value(3).isNull()) {
        seen.stored = storedFrom(r);
        if (!seen.stored)
            return unreadableRow(userId);
    }
    return std::optional<TrustSeen>(seen);
}

Result<QHash<QString, int>> TrustRepository::scores(const QStringList &userIds) const
{
    QHash<QString, int> scores;
    if (userIds.isEmpty())
        return scores;
    const QVariantList ids = Sql::values(userIds);
    SqlResult r = Sql::exec(QStringLiteral("SELECT user_id, score FROM trust_scores WHERE "
                                           "user_id IN (") +
                                Sql::repeated(QStringLiteral("?"), ids.size()) + QLatin1Char(')'),
                            ids);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        scores.insert(r.value(0).toString(), r.value(1).toInt());
    return scores;
}

Status TrustRepository::storeState(const QString &userId, const TrustState &state) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("UPDATE trust_scores SET score = ?, components_json = ?, "
                                 "cooldown_applied = ?, updated_at = ? WHERE user_id = ?"),
                  {state.score(), compact(state.componentsJson()), state.cooldownApplied ? 1 : 0,
                   Sql::time(state.updatedAt), userId}));
}

// The reads below run after lockState() and must see every row committed before the lock was
// granted. Under REPEATABLE READ a plain SELECT reads the transaction's snapshot, which may
// predate that wait (the caller may have read something earlier), so they are locking reads,
// which always read the latest committed rows.

Result<bool> TrustRepository::ledgerHas(const QString &source, const QString &sourceRefId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT 1 FROM trust_score_events WHERE source = ? "
                                           "AND source_ref_id = ? LIMIT 1 LOCK IN SHARE MODE"),
                            {source, sourceRefId});
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Result<TrustHistory> TrustRepository::reflectionHistory(const QString &targetId,
                                                        const QString &reflectorId,
                                                        const QDateTime &now) const
{
    TrustHistory history;
    SqlResult last = Sql::exec(
        QStringLiteral("SELECT MAX(created_at) FROM trust_score_events WHERE user_id = ? "
                       "AND source = 'reflection' AND created_at > ? "
                       "AND JSON_VALUE(metadata_json, '$.reflector_id') = ? "
                       "AND JSON_EXTRACT(metadata_json, '$.ignored') = 'false' "
                       "LOCK IN SHARE MODE"),
        {targetId, Sql::time(now.addDays(-TrustEngine::kReflectionCooldownDays)), reflectorId});
    if (!last.ok())
        return last.toAppError();
    if (last.next())
        history.lastAppliedReflectionAt = Sql::toTime(last.value(0));

    SqlResult moved =
        Sql::exec(QStringLiteral("SELECT COALESCE(SUM(ABS(delta)), 0) FROM trust_score_events "
                                 "WHERE user_id = ? AND source = 'reflection' AND created_at >= ? "
                                 "LOCK IN SHARE MODE"),
                  {targetId, Sql::time(TrustEngine::dayStart(now))});
    if (!moved.ok())
        return moved.toAppError();
    if (moved.next())
        history.reflectionMovementToday = moved.value(0).toInt();
    return history;
}

Status TrustRepository::appendLedger(const TrustLedgerRow &row) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("INSERT INTO trust_score_events (id, user_id, delta, source, "
                                 "source_ref_id, metadata_json, created_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                  {row.id, row.userId, row.delta, row.source, row.sourceRefId,
                   compact(row.metadata), Sql::time(row.createdAt)}));
}

Result<QList<TrustLedgerEntry>> TrustRepository::ledger(const QString &userId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT delta, metadata_json, created_at FROM "
                                           "trust_score_events WHERE user_id = ? "
                                           "ORDER BY created_at, id"),
                            {userId});
    if (!r.ok())
        return r.toAppError();
    QList<TrustLedgerEntry> entries;
    while (r.next())
        entries.append({r.value(0).toInt(), objectFrom(r.value(1)), Sql::toTime(r.value(2))});
    return entries;
}

Result<QList<admin::TrustEvent>> TrustRepository::events(const QString &userId, int limit,
                                                         int offset) const
{
    return Sql::rows<admin::TrustEvent>(
        Sql::exec(
            QStringLiteral("SELECT id, delta, source, source_ref_id, metadata_json, created_at, "
                           "SUM(delta) OVER (ORDER BY created_at, id) FROM trust_score_events "
                           "WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"),
            {userId, limit, offset}),
        trustEventFrom);
}

Result<QList<admin::TrustEvent>> TrustRepository::eventsBetween(const QString &userId,
                                                                const QDateTime &from,
                                                                const QDateTime &to) const
{
    return Sql::rows<admin::TrustEvent>(
        Sql::exec(
            QStringLiteral("SELECT * FROM (SELECT id, delta, source, source_ref_id, metadata_json, "
                           "created_at, SUM(delta) OVER (ORDER BY created_at, id) AS running "
                           "FROM trust_score_events WHERE user_id = ? AND created_at < ?) x "
                           "WHERE created_at >= ? ORDER BY created_at, id"),
            {userId, Sql::time(to), Sql::time(from)}),
        trustEventFrom);
}

Result<int> TrustRepository::scoreBefore(const QString &userId, const QDateTime &at) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT COALESCE(SUM(delta), 0) FROM "
                                 "trust_score_events WHERE user_id = ? AND created_at < ?"),
                  {userId, Sql::time(at)});
    if (!r.ok())
        return r.toAppError();
    return 50 + (r.next() ? r.value(0).toInt() : 0);
}

Result<QJsonObject> TrustRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {{"trust_scores",
          "SELECT score, cooldown_applied, components_json, updated_at FROM "
          "trust_scores WHERE user_id = ?"},
         // source_ref_id is left out: it names other people's reflections and reports. So is
         // what a reflection's metadata says of the person who wrote it and what they wrote.
         {"trust_score_events",
          "SELECT id, delta, source, JSON_REMOVE(metadata_json, '$.reflector_id', "
          "'$.reflector_trust', '$.reflector_weight', '$.vibe_score', '$.meet_outcome') AS "
          "metadata_json, created_at FROM trust_score_events WHERE user_id = ? ORDER BY "
          "created_at"}},
        userId);
}

} // namespace fp
