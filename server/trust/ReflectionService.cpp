#include "server/trust/ReflectionService.h"

#include "common/Time.h"
#include "server/engagement/EngagementRepository.h"
#include "server/profile/Catalog.h"
#include "server/storage/Database.h"

#include <QJsonArray>
#include <QSet>
#include <QUuid>

namespace fp {

namespace {

/// Collects every problem of a body, first problem per path wins.
class Problems
{
public:
    void add(const QString &path, const QString &what)
    {
        if (!m_fields.contains(path))
            m_fields.insert(path, what);
    }
    bool empty() const { return m_fields.isEmpty(); }
    AppError error() const { return AppError::validation(m_fields); }

private:
    QJsonObject m_fields;
};

/// A UUID member, returned lowercase (as stored); empty when absent (and `required` is false)
/// or invalid.
QString uuidField(const QJsonObject &o, const QString &name, bool required, Problems &p)
{
    const QJsonValue v = o.value(name);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            p.add(name, QStringLiteral("is required"));
        return {};
    }
    const QUuid uuid = QUuid::fromString(v.toString());
    if (!v.isString() || v.toString().size() != 36 || uuid.isNull()) {
        p.add(name, QStringLiteral("must be a UUID"));
        return {};
    }
    return uuid.toString(QUuid::WithoutBraces);
}

} // namespace

namespace ReflectionRules {

Result<ReflectionInput> parseReflection(const QJsonValue &body, const Catalog &catalog)
{
    Problems p;
    if (!body.isObject()) {
        p.add(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return p.error();
    }
    const QJsonObject o = body.toObject();
    static const QStringList known {QStringLiteral("match_session_id"),
                                    QStringLiteral("conversation_session_id"),
                                    QStringLiteral("vibe_score"), QStringLiteral("meet_outcome"),
                                    QStringLiteral("feedback_tags")};
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!known.contains(it.key()))
            p.add(it.key(), QStringLiteral("is not a known field"));
    }

    ReflectionInput input;
    input.matchSessionId = uuidField(o, QStringLiteral("match_session_id"), true, p);
    input.conversationSessionId = uuidField(o, QStringLiteral("conversation_session_id"), false, p);

    const QString vibePath = QStringLiteral("vibe_score");
    const QJsonValue vibe = o.value(vibePath);
    if (vibe.isUndefined() || vibe.isNull())
        p.add(vibePath, QStringLiteral("is required"));
    else if (!vibe.isDouble() || vibe.toDouble() != double(vibe.toInt()) || vibe.toInt() < 1 ||
             vibe.toInt() > 5)
        p.add(vibePath, QStringLiteral("must be an integer 1-5"));
    else
        input.vibeScore = vibe.toInt();

    const QString outcomePath = QStringLiteral("meet_outcome");
    const QJsonValue outcome = o.value(outcomePath);
    if (outcome.isUndefined() || outcome.isNull())
        p.add(outcomePath, QStringLiteral("is required"));
    else if (const auto parsed = TrustSignal::outcomeFromName(outcome.toString());
             !outcome.isString() || !parsed)
        p.add(outcomePath, QStringLiteral("must be one of again, maybe, pass"));
    else
        input.outcome = *parsed;

    const QString tagsPath = QStringLiteral("feedback_tags");
    const QJsonValue tags = o.value(tagsPath);
    if (tags.isUndefined() || tags.isNull()) {
        p.add(tagsPath, QStringLiteral("is required (an empty list is fine)"));
    } else if (!tags.isArray()) {
        p.add(tagsPath, QStringLiteral("must be a list of feedback tags"));
    } else {
        const QJsonArray list = tags.toArray();
        if (list.size() > kMaxFeedbackTags)
            p.add(tagsPath, QStringLiteral("must have at most %1 tags").arg(kMaxFeedbackTags));
        QSet<QString> seen;
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString path = QStringLiteral("feedback_tags[%1]").arg(i);
            const QString tag = list[i].toString();
            if (!list[i].isString())
                p.add(path, QStringLiteral("must be a string"));
            else if (!catalog.containsFeedbackTag(tag))
                p.add(path,
                      QStringLiteral("\"%1\" is not a feedback tag (see GET /api/catalog)")
                          .arg(tag.left(64)));
            else if (seen.contains(tag))
                p.add(path, QStringLiteral("repeats \"%1\"").arg(tag));
            else
                input.feedbackTags.append(tag);
            seen.insert(tag);
        }
    }

    if (!p.empty())
        return p.error();
    return input;
}

bool meetingOver(const ReflectionMatch &match)
{
    if (!match.conversationId.isEmpty())
        return match.conversationState == QLatin1String("closed") ||
            match.conversationState == QLatin1String("revealed");
    return match.status == QLatin1String("ended") ||
        match.status == QLatin1String("friend_revealed");
}

} // namespace ReflectionRules

Result<ReflectionCreated> ReflectionService::reflect(const QString &userId,
                                                     const ReflectionInput &input) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<ReflectionMatch>> match = m_repository.findMatch(input.matchSessionId);
    if (!match)
        return match.error();
    if (!*match || !(*match)->hasParticipant(userId))
        return AppError::notFound(QStringLiteral("No such match session"));
    const ReflectionMatch &m = **match;
    if (!input.conversationSessionId.isEmpty() && input.conversationSessionId != m.conversationId)
        return AppError::notFound(QStringLiteral("No such conversation in this match"));
    if (!ReflectionRules::meetingOver(m)) {
        AppError open = AppError::conflict(
            QStringLiteral("The conversation is still running: reflect once it has ended"));
        open.details = {{QStringLiteral("reason"), QStringLiteral("conversation_open")}};
        return open;
    }

    ReflectionCreated created;
    ReflectionRecord &r = created.reflection;
    r.id = Sql::newId();
    r.matchSessionId = m.id;
    r.conversationSessionId = m.conversationId; // the match's one conversation, given or not
    r.userId = userId;
    r.vibeScore = input.vibeScore;
    r.meetOutcome = TrustSignal::outcomeName(input.outcome);
    r.feedbackTags = input.feedbackTags;
    r.createdAt = now;
    if (Status inserted = m_repository.insert(r); !inserted)
        return inserted.error();

    // The reflector's own trust weighs their word (docs/trust.md, "Reflector weight").
    Result<int> reflectorTrust = m_trust.currentScore(userId);
    if (!reflectorTrust)
        return reflectorTrust.error();
    Result<AppliedSignal> trust =
        m_trust.applySignal(m.peerOf(userId),
                            TrustSignal::reflection(userId, *reflectorTrust, input.vibeScore,
                                                    input.outcome, input.feedbackTags, now),
                            r.id);
    if (!trust)
        return trust.error();
    created.trust = *trust;

    Result<int> xp = EngagementRepository().awardXp(userId, XpSource::Reflection, r.id);
    if (!xp)
        return xp.error();
    created.xpAwarded = *xp;
    if (!tx.commit())
        return databaseUnavailable();
    return created;
}

QJsonObject reflectionCreatedToJson(const ReflectionCreated &created)
{
    return QJsonObject {{QStringLiteral("id"), created.reflection.id},
                        {QStringLiteral("match_session_id"), created.reflection.matchSessionId},
                        {QStringLiteral("created_at"), toWireTime(created.reflection.createdAt)},
                        {QStringLiteral("xp_awarded"), created.xpAwarded}};
}

} // namespace fp
