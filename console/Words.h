#pragma once

// The words the console shows for the staff API's keys: a report's action, status, severity
// and reason, the label the chat rules gave a message, a user's status and role, the fields of
// an action, which staff member holds a claim or took an action, and the trust ledger's sources
// and details. Each key gets its words here only; a key the server added since is shown as it
// is, never hidden.

#include <QString>

namespace fp::console::words {

QString action(const QString &key);
QString reportStatus(const QString &key);
QString severity(const QString &key);
/// A report reason of the catalog, or, for an item the chat rules raised, their label.
QString reason(const QString &key);
QString moderationLabel(const QString &key);
QString userStatus(const QString &key);
QString role(const QString &key);
/// A field of a report action (ReportActionRequest), as the triage form names it.
QString actionField(const QString &key);
/// A staff member the API names by id only (who holds a claim, who took an action), for the
/// signed-in one: "you", or "another staff member" (a moderator or an admin: the id does not
/// say which); empty for nobody.
QString staffMember(const QString &userId, const QString &signedInUserId);

/// Where a row of the trust ledger comes from (TrustScoreEvent.source).
QString trustSource(const QString &key);
/// A field of a trust ledger row's metadata (docs/trust.md, "Ledger and replay").
QString trustField(const QString &key);
/// One of the four parts of trust (reliability, respect, engagement, safety).
QString trustPart(const QString &key);
/// Why the trust rules did not count a signal (metadata.ignored_reason).
QString trustIgnoredReason(const QString &key);
/// What a person chose after a chat (a reflection's meet_outcome).
QString meetOutcome(const QString &key);
/// A feedback tag of the catalog: its key with spaces, the keys being English words already.
QString feedbackTag(const QString &key);

} // namespace fp::console::words
