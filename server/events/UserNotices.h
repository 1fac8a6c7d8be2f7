#pragma once

// The socket frames a person must not miss (docs/events.md, "Frames that are never lost"): a
// match found, a gate opened or decided, a reveal, a chat closed, a moderation notice. Each is
// kept in user_notices in the transaction of the change that caused it, and handed to the
// sender after the commit with its `notice_seq`. Live delivery stays best-effort (a socket on
// another instance hears of it through Redis); a client that reconnects, or suspects it missed
// something, asks with `notices.resume` for everything after the last seq it saw.

#include "common/Result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <functional>

namespace fp {

namespace UserNotices {

/// How long notices are kept for a client to catch up.
constexpr int kRetentionDays = 7;
/// Most notices one `notices.resume` replays (the answer says whether more follow).
constexpr int kMaxReplay = 200;

/// Keeps `frame` for `userId` with the transaction open on this thread (at once when none is),
/// then calls `send(userId, frame with notice_seq)` after the commit (never after a rollback).
Status record(const QString &userId, const QJsonObject &frame,
              std::function<void(const QString &, const QJsonObject &)> send);

struct Replay
{
    QList<QJsonObject> frames; // each with its notice_seq, oldest first
    qint64 lastSeq = 0; // the newest notice of the person's (0: none kept)
    bool more = false; // more followed than were replayed
};
/// The person's notices after `afterSeq` (nothing when `afterSeq` is negative: the answer then
/// only says where they stand).
Result<Replay> after(const QString &userId, qint64 afterSeq);

/// Deletes notices past retention (the purge job), at most `limit`.
Result<int> purge(int limit = 5000);
/// Deletes the person's notices and every notice that names them (account deletion).
Status forget(const QString &userId);

} // namespace UserNotices

} // namespace fp
