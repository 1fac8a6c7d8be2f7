#include "common/AdminTypes.h"

namespace fp::admin {

namespace {

constexpr int kMaxNote = 2000;

void checkNote(const QString &note, QJsonObject *problems)
{
    if (note.trimmed().isEmpty())
        problems->insert(QStringLiteral("note"), QStringLiteral("required"));
    else if (note.toUcs4().size() > kMaxNote) // characters as people (and JSON Schema) count
        problems->insert(QStringLiteral("note"), QStringLiteral("at most 2000 characters"));
}

} // namespace

QStringList ReportActionRequest::actions()
{
    return {QStringLiteral("dismiss"),  QStringLiteral("warn"),          QStringLiteral("restrict"),
            QStringLiteral("separate"), QStringLiteral("manual_review"), QStringLiteral("ban")};
}

QJsonObject ReportActionRequest::problems() const
{
    QJsonObject p;
    if (!actions().contains(action))
        p.insert(QStringLiteral("action"),
                 QStringLiteral("one of dismiss, warn, restrict, separate, manual_review, ban"));
    checkNote(note, &p);
    if (action == QLatin1String("restrict")) {
        if (restrictHours < 0 || restrictHours > kMaxRestrictHours)
            p.insert(QStringLiteral("restrict_hours"),
                     QStringLiteral("an integer from 1 to %1 (omit it for %2)")
                         .arg(kMaxRestrictHours)
                         .arg(kDefaultRestrictHours));
    } else if (restrictHours != 0) {
        p.insert(QStringLiteral("restrict_hours"), QStringLiteral("only with action restrict"));
    }
    if (action == QLatin1String("manual_review")) {
        if (trustDelta == 0 || trustDelta < -kMaxTrustDelta || trustDelta > kMaxTrustDelta)
            p.insert(QStringLiteral("trust_delta"),
                     QStringLiteral("required: a signed integer from -%1 to %1, not 0")
                         .arg(kMaxTrustDelta));
    } else if (trustDelta != 0) {
        p.insert(QStringLiteral("trust_delta"), QStringLiteral("only with action manual_review"));
    }
    return p;
}

QStringList StatusChange::statuses()
{
    return {QStringLiteral("active"), QStringLiteral("restricted"), QStringLiteral("banned")};
}

QJsonObject StatusChange::problems() const
{
    QJsonObject p;
    if (!statuses().contains(status))
        p.insert(QStringLiteral("status"), QStringLiteral("one of active, restricted, banned"));
    checkNote(note, &p);
    if (restrictedUntil.isValid() && status != QLatin1String("restricted"))
        p.insert(QStringLiteral("restricted_until"), QStringLiteral("only with status restricted"));
    return p;
}

QJsonObject RoleChange::problems() const
{
    QJsonObject p;
    static const QStringList roles {QStringLiteral("user"), QStringLiteral("moderator"),
                                    QStringLiteral("admin"), QStringLiteral("analyst")};
    if (!roles.contains(role))
        p.insert(QStringLiteral("role"), QStringLiteral("one of user, moderator, admin, analyst"));
    checkNote(note, &p);
    return p;
}

QStringList TimeSeries::metrics()
{
    return {QStringLiteral("daily_active_users"), QStringLiteral("queue_wait_seconds"),
            QStringLiteral("match_success_rate"), QStringLiteral("reveal_conversion"),
            QStringLiteral("report_rate")};
}

} // namespace fp::admin
