#include "server/events/UserNotices.h"

#include "server/storage/Database.h"

#include <QJsonDocument>
#include <memory>

namespace fp {

namespace UserNotices {

namespace {

const QString kSeq = QStringLiteral("notice_seq");

std::optional<qint64> insert(const QString &userId, const QJsonObject &frame)
{
    SqlResult r =
        Sql::exec(QStringLiteral("INSERT INTO user_notices (user_id, frame_json) VALUES (?, ?)"),
                  {userId, QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact))});
    if (!r.ok())
        return std::nullopt;
    return r.query().lastInsertId().toLongLong();
}

} // namespace

Status record(const QString &userId, const QJsonObject &frame,
              std::function<void(const QString &, const QJsonObject &)> send)
{
    if (!Transaction::openOnThisThread()) {
        const std::optional<qint64> seq = insert(userId, frame);
        if (!seq)
            return databaseUnavailable();
        QJsonObject numbered = frame;
        numbered.insert(kSeq, *seq);
        send(userId, numbered);
        return Ok {};
    }
    // Written at the commit, with the transaction's other rows, so its seq is known only then.
    auto seq = std::make_shared<qint64>(0);
    Transaction::beforeCommit([userId, frame, seq] {
        const std::optional<qint64> id = insert(userId, frame);
        if (!id)
            return false;
        *seq = *id;
        return true;
    });
    Transaction::afterCommit([userId, frame, seq, send = std::move(send)] {
        QJsonObject numbered = frame;
        numbered.insert(kSeq, *seq);
        send(userId, numbered);
    });
    return Ok {};
}

Result<Replay> after(const QString &userId, qint64 afterSeq)
{
    Replay replay;
    SqlResult last = Sql::exec(
        QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM user_notices WHERE user_id = ?"),
        {userId});
    if (!last.ok())
        return last.toAppError();
    if (last.next())
        replay.lastSeq = last.value(0).toLongLong();
    if (afterSeq < 0 || afterSeq >= replay.lastSeq)
        return replay;
    SqlResult rows = Sql::exec(QStringLiteral("SELECT seq, frame_json FROM user_notices WHERE "
                                              "user_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
                               {userId, afterSeq, kMaxReplay + 1});
    if (!rows.ok())
        return rows.toAppError();
    while (rows.next()) {
        if (replay.frames.size() == kMaxReplay) {
            replay.more = true;
            break;
        }
        QJsonObject frame = QJsonDocument::fromJson(rows.value(1).toString().toUtf8()).object();
        frame.insert(kSeq, rows.value(0).toLongLong());
        replay.frames.append(frame);
    }
    return replay;
}

Result<int> purge(int limit)
{
    const SqlResult r = Sql::exec(QStringLiteral("DELETE FROM user_notices WHERE created_at < "
                                                 "NOW(3) - INTERVAL ? DAY LIMIT ?"),
                                  {kRetentionDays, limit});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

Status forget(const QString &userId)
{
    // A revealed peer's frame names the person (and shows their profile): those go too.
    return Sql::status(Sql::exec(QStringLiteral("DELETE FROM user_notices WHERE user_id = ? OR "
                                                "frame_json LIKE ?"),
                                 {userId, QStringLiteral("%") + userId + QStringLiteral("%")}));
}

} // namespace UserNotices

} // namespace fp
