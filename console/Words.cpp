#include "console/Words.h"

#include <QHash>
#include <QObject>

namespace fp::console::words {

namespace {

using Table = QHash<QString, QString>;

QString lookUp(const Table &table, const QString &key)
{
    return table.value(key, key);
}

} // namespace

QString action(const QString &key)
{
    static const Table table {
        {QStringLiteral("dismiss"), QObject::tr("Dismiss")},
        {QStringLiteral("warn"), QObject::tr("Warn")},
        {QStringLiteral("restrict"), QObject::tr("Restrict")},
        {QStringLiteral("separate"), QObject::tr("Keep the two apart")},
        {QStringLiteral("manual_review"), QObject::tr("Adjust trust by hand")},
        {QStringLiteral("ban"), QObject::tr("Ban")},
    };
    return lookUp(table, key);
}

QString reportStatus(const QString &key)
{
    static const Table table {
        {QStringLiteral("open"), QObject::tr("Open")},
        {QStringLiteral("triaged"), QObject::tr("Claimed")},
        {QStringLiteral("actioned"), QObject::tr("Action taken")},
        {QStringLiteral("dismissed"), QObject::tr("Dismissed")},
    };
    return lookUp(table, key);
}

QString severity(const QString &key)
{
    static const Table table {
        {QStringLiteral("low"), QObject::tr("Low")},
        {QStringLiteral("medium"), QObject::tr("Medium")},
        {QStringLiteral("high"), QObject::tr("High")},
        {QStringLiteral("critical"), QObject::tr("Critical")},
    };
    return lookUp(table, key);
}

QString reason(const QString &key)
{
    static const Table table {
        {QStringLiteral("threats"), QObject::tr("Threats")},
        {QStringLiteral("minor_safety"), QObject::tr("A minor's safety")},
        {QStringLiteral("self_harm"), QObject::tr("Self-harm")},
        {QStringLiteral("doxxing"), QObject::tr("Sharing private information")},
        {QStringLiteral("sexual_content"), QObject::tr("Sexual content")},
        {QStringLiteral("harassment"), QObject::tr("Harassment")},
        {QStringLiteral("inappropriate_avatar"), QObject::tr("Inappropriate avatar")},
        {QStringLiteral("hate_speech"), QObject::tr("Hate speech")},
        {QStringLiteral("scam"), QObject::tr("Scam")},
        {QStringLiteral("impersonation"), QObject::tr("Impersonation")},
        {QStringLiteral("underage_user"), QObject::tr("Under age")},
        {QStringLiteral("spam"), QObject::tr("Spam")},
        {QStringLiteral("off_limits_topic"), QObject::tr("Off-limits topic")},
        {QStringLiteral("other"), QObject::tr("Other")},
        {QStringLiteral("repeated_blocks"), QObject::tr("Repeatedly blocked messages")},
    };
    const auto found = table.constFind(key);
    return found != table.cend() ? *found : moderationLabel(key);
}

QString moderationLabel(const QString &key)
{
    static const Table table {
        {QStringLiteral("contact_info"), QObject::tr("Contact details")},
        {QStringLiteral("link"), QObject::tr("Link")},
        {QStringLiteral("profanity"), QObject::tr("Profanity")},
        {QStringLiteral("harassment"), QObject::tr("Harassment")},
        {QStringLiteral("hate"), QObject::tr("Hate")},
        {QStringLiteral("threat"), QObject::tr("Threat")},
        {QStringLiteral("violence"), QObject::tr("Violence")},
        {QStringLiteral("self_harm"), QObject::tr("Self-harm")},
        {QStringLiteral("sexual"), QObject::tr("Sexual")},
        {QStringLiteral("sexual_solicitation"), QObject::tr("Sexual solicitation")},
        {QStringLiteral("scam"), QObject::tr("Scam")},
    };
    return lookUp(table, key);
}

QString userStatus(const QString &key)
{
    static const Table table {
        {QStringLiteral("active"), QObject::tr("Active")},
        {QStringLiteral("restricted"), QObject::tr("Restricted")},
        {QStringLiteral("banned"), QObject::tr("Banned")},
        {QStringLiteral("deleted"), QObject::tr("Deleted")},
    };
    return lookUp(table, key);
}

QString role(const QString &key)
{
    static const Table table {
        {QStringLiteral("user"), QObject::tr("User")},
        {QStringLiteral("moderator"), QObject::tr("Moderator")},
        {QStringLiteral("admin"), QObject::tr("Admin")},
        {QStringLiteral("analyst"), QObject::tr("Analyst")},
    };
    return lookUp(table, key);
}

QString actionField(const QString &key)
{
    static const Table table {
        {QStringLiteral("action"), QObject::tr("Action")},
        {QStringLiteral("note"), QObject::tr("Note")},
        {QStringLiteral("restrict_hours"), QObject::tr("Hours of restriction")},
        {QStringLiteral("trust_delta"), QObject::tr("Trust points")},
    };
    return lookUp(table, key);
}

QString staffMember(const QString &userId, const QString &signedInUserId)
{
    if (userId.isEmpty())
        return {};
    return userId == signedInUserId ? QObject::tr("you") : QObject::tr("another staff member");
}

QString trustSource(const QString &key)
{
    static const Table table {
        {QStringLiteral("reflection"), QObject::tr("Reflection after a chat")},
        {QStringLiteral("report_confirmed"), QObject::tr("Report confirmed by staff")},
        {QStringLiteral("cooldown_penalty"), QObject::tr("Joined the queue too often")},
        {QStringLiteral("manual_review"), QObject::tr("Adjusted by hand by staff")},
    };
    return lookUp(table, key);
}

QString trustField(const QString &key)
{
    static const Table table {
        {QStringLiteral("rule_version"), QObject::tr("Rules version")},
        {QStringLiteral("source"), QObject::tr("Source")},
        {QStringLiteral("problem"), QObject::tr("Problem")},
        {QStringLiteral("ignored"), QObject::tr("Not counted")},
        {QStringLiteral("ignored_reason"), QObject::tr("Why not counted")},
        {QStringLiteral("component_deltas"), QObject::tr("Parts moved")},
        {QStringLiteral("requested_component_deltas"), QObject::tr("Parts asked to move")},
        {QStringLiteral("raw_component_deltas"), QObject::tr("Parts before weighting")},
        {QStringLiteral("components_after"), QObject::tr("Parts after")},
        {QStringLiteral("cooldown_applied"), QObject::tr("Cut by the daily cap")},
        {QStringLiteral("daily_cap"), QObject::tr("Daily cap (points)")},
        {QStringLiteral("daily_budget_left"), QObject::tr("Points left today before")},
        {QStringLiteral("moved_today_before"), QObject::tr("Points moved today before")},
        {QStringLiteral("cap_scale"), QObject::tr("Share kept under the cap")},
        {QStringLiteral("clamped"), QObject::tr("Held within 0–100")},
        {QStringLiteral("score_before"), QObject::tr("Score before")},
        {QStringLiteral("score_after"), QObject::tr("Score after")},
        {QStringLiteral("reflector_id"), QObject::tr("Reflection by (id)")},
        {QStringLiteral("reflector_trust"), QObject::tr("Their trust")},
        {QStringLiteral("reflector_weight"), QObject::tr("Weight of their reflection")},
        {QStringLiteral("vibe_score"), QObject::tr("Vibe (1–5)")},
        {QStringLiteral("meet_outcome"), QObject::tr("Meet again")},
        {QStringLiteral("tags_counted"), QObject::tr("Tags counted")},
        {QStringLiteral("tags_unknown"), QObject::tr("Tags not known")},
        {QStringLiteral("last_applied_at"), QObject::tr("Their last counted reflection")},
        {QStringLiteral("eligible_again_at"), QObject::tr("Counts again from")},
        {QStringLiteral("severity"), QObject::tr("Severity")},
        {QStringLiteral("manual_delta"), QObject::tr("Trust points")},
    };
    return lookUp(table, key);
}

QString trustPart(const QString &key)
{
    static const Table table {
        {QStringLiteral("reliability"), QObject::tr("Reliability")},
        {QStringLiteral("respect"), QObject::tr("Respect")},
        {QStringLiteral("engagement"), QObject::tr("Engagement")},
        {QStringLiteral("safety"), QObject::tr("Safety")},
    };
    return lookUp(table, key);
}

QString trustIgnoredReason(const QString &key)
{
    static const Table table {
        {QStringLiteral("same_reflector_within_30_days"),
         QObject::tr("the same person's reflection already counted in the last 30 days")},
        {QStringLiteral("invalid_signal"), QObject::tr("the signal was not valid")},
        {QStringLiteral("already_applied"), QObject::tr("it was already counted")},
    };
    return lookUp(table, key);
}

QString meetOutcome(const QString &key)
{
    static const Table table {
        {QStringLiteral("again"), QObject::tr("would meet again")},
        {QStringLiteral("maybe"), QObject::tr("maybe would meet again")},
        {QStringLiteral("pass"), QObject::tr("passed")},
    };
    return lookUp(table, key);
}

QString feedbackTag(const QString &key)
{
    return QString(key).replace(QLatin1Char('_'), QLatin1Char(' '));
}

} // namespace fp::console::words
