#pragma once

// All SQL of the safety domain: blocks, reports, and the small reads they need about matches
// and conversations. Also the two functions other domains call (see the end of this file).

#include "common/Result.h"
#include "server/friendship/FriendshipRepository.h" // KeysetCursor, KeysetPage

#include <QDateTime>
#include <QString>
#include <optional>

namespace fp {

struct BlockRecord
{
    QString id;
    QString blockerUserId;
    QString blockedUserId;
    QString source; // manual | panic_exit | moderation_action
    QDateTime createdAt;
};

struct ReportRecord
{
    QString id;
    QString reporterUserId;
    QString reportedUserId;
    QString conversationSessionId; // empty = none
    QString reasonCode;
    QString detailsText; // empty = none
    QString severity;
    QString status;
    QDateTime createdAt;
    QDateTime updatedAt;
};

/// What a panic exit answers about the conversation it closed.
struct ConversationSummary
{
    QString id;
    QString state;
    QString closeReason; // empty = null
    QDateTime closedAt; // invalid = null
};

class SafetyRepository
{
public:
    /// Whether the two users ever shared a match or a friendship: the only people one may
    /// report or block (anyone else is answered 404, so ids cannot be probed).
    Result<bool> sharesMatchOrFriendship(const QString &userA, const QString &userB) const;

    Result<std::optional<BlockRecord>> findBlock(const QString &blockerId,
                                                 const QString &blockedId) const;
    /// Conflict when the pair is already blocked.
    Status insertBlock(const BlockRecord &block) const;
    Status deleteBlock(const QString &blockId) const;
    Result<KeysetPage<BlockRecord>> listBlocks(const QString &blockerId, int limit,
                                               const std::optional<KeysetCursor> &after) const;
    Result<bool> blockedEitherWay(const QString &userA, const QString &userB) const;
    /// The same test as an SQL expression over two user-id column expressions, for queries
    /// that fold it into a larger read (the chat send path).
    static QString blockedEitherWaySql(const QString &userAColumn, const QString &userBColumn);

    /// Conflict when the reporter already reported that user about that conversation
    /// (sql/0006_safety.sql).
    Status insertReport(const ReportRecord &report) const;
    /// Whether the reporter has an open or triaged report about that user without a
    /// conversation (locks the reporter's rows, so a concurrent duplicate waits).
    Result<bool> hasOpenReportWithoutConversation(const QString &reporterId,
                                                  const QString &reportedId) const;
    /// The reporter's report about that user and conversation (panic exit reuses it).
    Result<std::optional<ReportRecord>> findConversationReport(const QString &reporterId,
                                                               const QString &reportedId,
                                                               const QString &conversationId) const;
    Status raiseSeverity(const QString &reportId, const QString &severity) const;
    /// The reporter's own reports, newest first.
    Result<KeysetPage<ReportRecord>> listReportsBy(const QString &reporterId, int limit,
                                                   const std::optional<KeysetCursor> &after) const;

    /// `forUpdate` locks the row for the rest of the transaction.
    Result<std::optional<ConversationSummary>> conversationSummary(const QString &conversationId,
                                                                   bool forUpdate = false) const;
};

/// For the conversation domain (may two users message each other?) and matching (may they be
/// paired?): true when either blocked the other. Fails closed: when the database cannot answer
/// it says true (and logs why), so an outage never lets a blocked user through.
bool isBlockedEitherWay(const QString &userA, const QString &userB);

/// Takes the user out of the matching queue, if queued (a panic exit). Runs inside the caller's
/// transaction. Minimal on purpose: it only cancels the active matching_queue_entries row. The
/// matching domain owns the queue and is expected to extend this (its Redis queue state, a
/// queue.status frame) once it exists; keep this the one call site for "leave the queue now".
Status leaveQueueIfQueued(const QString &userId);

} // namespace fp
