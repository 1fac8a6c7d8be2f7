#pragma once

// The safety domain's data: blocks, reports and what their routes accept.

#include <QDateTime>
#include <QString>
#include <QStringList>

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
    QString source = QStringLiteral("report"); // report, rules
    QString evidenceMessageId; // rules: the flagged message, when there is one
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
    QString source; // empty = any; report or rules
    QString claimedBy; // empty = anyone's or none; a user id = claims held by them now
};

/// What staff sockets hear (the `staff.alert` frame) and replay: codes and ids only.
struct StaffAlert
{
    qint64 id = 0;
    QString kind; // report.created, report.escalated, report.claimed, report.resolved,
                  // report.claim_expired, moderation.flagged
    QString reportId;
    QString source; // report, rules
    QString severity;
    QString status;
    QString reasonCode;
    QDateTime at;
};

/// What the chat rules decided about one message, for moderation's evidence
/// (SafetyService::recordRuleVerdict).
struct RuleVerdict
{
    bool blocked = false; // else flagged (and delivered)
    QString conversationId;
    QString senderUserId;
    QString receiverUserId;
    QString messageId; // the delivered message (flagged only)
    QString text; // the attempted text (blocked only: kept as evidence)
    QString label;
    QStringList ruleIds;
};

/// A warning or restriction the person must acknowledge (GET /api/me/notices).
struct ModerationNotice
{
    QString id;
    QString userId;
    QString reportId;
    QString kind; // warn, restrict
    QString message;
    QDateTime restrictedUntil;
    QDateTime createdAt;
    QDateTime acknowledgedAt;
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
