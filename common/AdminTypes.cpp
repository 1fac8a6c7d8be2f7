#include "common/AdminTypes.h"

namespace fp::admin {

namespace {

constexpr int kMaxNote = 2000;

void checkNote(const QString &note, QJsonObject *problems)
{
    if (note.trimmed().isEmpty())
        problems->insert(QStringLiteral("note"), QStringLiteral("required"));
    else if (note.size() > kMaxNote)
        problems->insert(QStringLiteral("note"), QStringLiteral("at most 2000 characters"));
}

} // namespace

QStringList ReportActionRequest::actions()
{
    return {QStringLiteral("dismiss"), QStringLiteral("warn"), QStringLiteral("restrict"),
            QStringLiteral("ban")};
}

QJsonObject ReportActionRequest::problems() const
{
    QJsonObject p;
    if (!actions().contains(action))
        p.insert(QStringLiteral("action"), QStringLiteral("one of dismiss, warn, restrict, ban"));
    checkNote(note, &p);
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
