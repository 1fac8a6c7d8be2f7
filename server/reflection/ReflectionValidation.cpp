#include "server/reflection/ReflectionValidation.h"

#include "server/base/Validation.h"
#include "server/profile/Catalog.h"
#include "server/reflection/ReflectionRules.h"

#include <QJsonArray>
#include <QSet>
#include <QUuid>

namespace fp::ReflectionValidation {

namespace {

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
        if (list.size() > ReflectionRules::kMaxFeedbackTags)
            p.add(
                tagsPath,
                QStringLiteral("must have at most %1 tags").arg(ReflectionRules::kMaxFeedbackTags));
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

} // namespace fp::ReflectionValidation
