#pragma once

// All SQL of the privacy domain: reading every row held about a user (the export) and the
// scrubbing half of an account deletion (backend-proposal §13.H). The deletion statements need
// the caller's Transaction; sessions, conversations and the queue are left to their domains.

#include "common/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class PrivacyRepository
{
public:
    /// Storage table name -> the caller's rows in it (as JSON objects, secrets left out).
    Result<QJsonObject> exportTables(const QString &userId) const;

    /// The account's status, locking its row until the transaction ends; nullopt: no such user.
    Result<std::optional<QString>> lockUserStatus(const QString &userId) const;
    /// Marks the account deleted and erases its personal data, keeping the rows needed for
    /// abuse prevention and audit (reports, blocks, trust ledger, shared conversation rows).
    Status scrubAccount(const QString &userId, const QDateTime &now) const;
    /// Ends the user's active friendships (each gets an 'ended' event); returns their ids.
    Result<QStringList> endFriendships(const QString &userId, const QDateTime &now) const;
    Status insertTombstone(const QString &userId, const QDateTime &now,
                           const QString &reason) const;

    /// Deletes up to `limit` chat messages created before `cutoff`, oldest first, except in
    /// conversations with an open or triaged report (an active safety case); returns how many.
    Result<int> deleteExpiredMessages(const QDateTime &cutoff, int limit) const;
};

} // namespace fp
