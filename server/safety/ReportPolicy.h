#pragma once

// The rules of a report that need no I/O: which severity a reason carries (the catalog's
// report_reasons table), the floor a panic exit puts under it, and how a report's reason and
// details are read from a body (POST /api/reports, and the conversation domain's panic exit).

#include "server/base/Validation.h"
#include "server/profile/Catalog.h"

#include <QString>
#include <optional>

namespace fp::ReportPolicy {

/// details_text, in characters (UTF-16 code units as the JSON carries them).
constexpr int kMaxDetailsLength = 2000;
/// Reports one user may file per hour (POST /api/reports; panic exits are never limited).
constexpr int kReportsPerHour = 10;
/// The reason a panic exit files when the user gives none (not a catalog key: only the
/// server writes it).
inline const QString kPanicExitReason = QStringLiteral("panic_exit");
/// A panic exit's report is at least this severe, whatever the reason.
inline const QString kPanicExitFloor = QStringLiteral("high");

/// low 0, medium 1, high 2, critical 3; -1 for anything else.
int severityRank(const QString &severity);
/// The more severe of the two (an unknown one loses).
QString moreSevere(const QString &a, const QString &b);
/// The severity of a report with this reason, from the catalog; nullopt for an unknown reason.
std::optional<QString> severityFor(const QString &reasonCode, const Catalog &catalog);
/// The severity of a panic exit's report: the reason's (if it is a catalog key), raised to
/// kPanicExitFloor. An empty reason is kPanicExitReason.
QString panicExitSeverity(const QString &reasonCode, const Catalog &catalog);

/// The reason of an item the rules raise about repeated blocked messages by one person.
inline const QString kRepeatedBlocksReason = QStringLiteral("repeated_blocks");
/// The severity of an item the chat rules raise: what the label says about the harm (threats,
/// hate, harassment, solicitation and self-harm high; violence and scams medium; the rest low),
/// raised to high for a message that was blocked, and high for repeated blocks.
QString ruleItemSeverity(const QString &label, bool blocked);
/// What the reporter reads of their report's outcome (GET /api/reports/mine), by status.
QString outcomeInWords(const QString &status);

/// reason_code: a report reason of the catalog.
std::optional<QString> readReason(ObjectReader &fields, const Catalog &catalog, Presence presence);
/// details_text: optional free text of at most kMaxDetailsLength characters.
std::optional<QString> readDetails(ObjectReader &fields);

} // namespace fp::ReportPolicy
