#pragma once

// The safety domain's rules: blocks (which end the pair's open conversations and friendship),
// reports (severity from the catalog, duplicates refused, floods limited, reporters never
// disclosed to the reported), and the panic exit that does all of it at once.

#include "server/safety/SafetyRepository.h"

#include <QJsonObject>
#include <QJsonValue>

namespace fp {

struct ReportInput
{
    QString reportedUserId; // empty: the caller's peer in conversationSessionId
    QString conversationSessionId; // empty = none
    QString reasonCode;
    QString detailsText;
};

struct PanicExitInput
{
    QString reasonCode; // empty: ReportPolicy::kPanicExitReason
    QString detailsText;
};

struct PanicExitResult
{
    ConversationSummary conversation;
    ReportRecord report;
};

namespace SafetyRules {
Result<QString> parseBlockedUserId(const QJsonValue &body);
Result<ReportInput> parseReport(const QJsonValue &body);
/// An absent body (or null) is {}.
Result<PanicExitInput> parsePanicExit(const QJsonValue &body);
} // namespace SafetyRules

class SafetyService
{
public:
    Result<BlockRecord> block(const QString &userId, const QString &blockedUserId) const;
    Status unblock(const QString &userId, const QString &blockedUserId) const;
    Result<KeysetPage<BlockRecord>> blocks(const QString &userId, int limit,
                                           const std::optional<KeysetCursor> &after) const;

    Result<ReportRecord> report(const QString &userId, const ReportInput &input) const;
    Result<KeysetPage<ReportRecord>> myReports(const QString &userId, int limit,
                                               const std::optional<KeysetCursor> &after) const;

    Result<PanicExitResult> panicExit(const QString &userId, const QString &conversationId,
                                      const PanicExitInput &input) const;

private:
    SafetyRepository m_repository;
};

QJsonObject blockToJson(const BlockRecord &block);
/// {id, severity, status}: what the reporter is told when filing.
QJsonObject reportCreatedToJson(const ReportRecord &report);
/// {id, reason_code, severity, status, created_at, updated_at}: never the reported user.
QJsonObject myReportToJson(const ReportRecord &report);
QJsonObject panicExitToJson(const PanicExitResult &result);

} // namespace fp
