#pragma once

// The safety domain's data: blocks, reports and what their routes accept.

#include <QDateTime>
#include <QString>

namespace fp {

struct BlockRecord
{
    QString id;
    QString blockerUserId;
    QString blockedUserId;
    QString source; // manual | panic_exit | moderation_action
    QDateTime createdAt;
    /// Set when the blocker did not name the blocked person's id (a panic exit from an
    /// anonymous conversation, a moderator's action): who they blocked stays unknown to them.
    QString blockedAlias;

    /// The id the blocker sees and unblocks by: the alias when there is one.
    QString shownId() const { return blockedAlias.isEmpty() ? blockedUserId : blockedAlias; }
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

/// A validated POST /api/reports.
struct ReportInput
{
    QString reportedUserId; // empty: the caller's peer in conversationSessionId
    QString conversationSessionId; // empty = none
    QString reasonCode;
    QString detailsText;
};

/// The staff report queue's filter (GET /api/admin/reports).
struct ReportFilter
{
    QString status; // empty = open and triaged (the work queue); "all" = every status
    QString severity; // empty = any
    int minAgeMinutes = 0; // only reports at least this old
    bool escalatedOnly = false;
};

/// Reports about and by one person.
struct ReportCounts
{
    int filed = 0;
    int against = 0;
    int openAgainst = 0;
    int actionedAgainst = 0;
};

} // namespace fp
